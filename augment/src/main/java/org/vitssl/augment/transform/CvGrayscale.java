package org.vitssl.augment.transform;

import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * albumentations {@code ToGray} (DINO Twins): {@code cv2.cvtColor(RGB2GRAY)} (0.299R + 0.587G + 0.114B in
 * OpenCV's 14-bit fixed point) then {@code GRAY2RGB}. All OpenCV.
 */
public final class CvGrayscale {
    private CvGrayscale() {}

    public static void apply(Rgb8 img) {
        Mat m = OpenCv.toMat(img);
        Mat g = new Mat();
        try {
            Imgproc.cvtColor(m, g, Imgproc.COLOR_RGB2GRAY);
            Imgproc.cvtColor(g, m, Imgproc.COLOR_GRAY2RGB);
            m.get(0, 0, img.data);
        } finally {
            m.release();
            g.release();
        }
    }
}
