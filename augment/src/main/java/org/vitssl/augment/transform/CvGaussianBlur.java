package org.vitssl.augment.transform;

import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * albumentations {@code GaussianBlur(sigma_limit)} on uint8 (DINO Twins): a true Gaussian,
 * {@code cv2.GaussianBlur(img, (k, k), sigma)} with kernel size {@code k = int(sigma * 3 * 2 + 1) | 1}
 * (albumentations' rule for uint8 when blur_limit is 0) and OpenCV's default reflect-101 border.
 * k = 1 (sigma below 1/3) leaves the image unchanged.
 */
public final class CvGaussianBlur {
    private CvGaussianBlur() {}

    public static int kernelSize(double sigma) {
        return ((int) (sigma * 3 * 2 + 1)) | 1;
    }

    public static void apply(Rgb8 img, double sigma) {
        int k = kernelSize(sigma);
        if (k <= 1) return;
        Mat m = OpenCv.toMat(img);
        try {
            Imgproc.GaussianBlur(m, m, new Size(k, k), sigma);
            m.get(0, 0, img.data);
        } finally {
            m.release();
        }
    }
}
