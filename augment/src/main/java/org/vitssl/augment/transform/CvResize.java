package org.vitssl.augment.transform;

import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * OpenCV's {@code cv2.resize(crop, (size, size), interpolation=INTER_CUBIC)} of a crop box: the resize that
 * albumentations' {@code RandomResizedCrop(interpolation=cv2.INTER_CUBIC)} uses (DINO Twins). Keys cubic
 * with a = -0.75, no antialiasing when shrinking (unlike PIL), OpenCV's fixed-point rounding.
 */
public final class CvResize {
    private CvResize() {}

    public static Rgb8 resizeBox(Rgb8 img, CropBox box, int size) {
        Mat m = OpenCv.toMat(img);
        Mat roi = m.submat(new Rect(box.left(), box.top(), box.width(), box.height()));
        Mat out = new Mat();
        try {
            Imgproc.resize(roi, out, new Size(size, size), 0, 0, Imgproc.INTER_CUBIC);
            return OpenCv.fromMat(out);
        } finally {
            roi.release();
            m.release();
            out.release();
        }
    }
}
