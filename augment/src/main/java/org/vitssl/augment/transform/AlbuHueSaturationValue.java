package org.vitssl.augment.transform;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

import java.util.ArrayList;
import java.util.List;

/**
 * albumentations {@code HueSaturationValue} on uint8 (DINO Twins): {@code cv2.cvtColor(RGB2HSV)} (OpenCV's
 * 8-bit HSV, hue on 0..179), then {@code H' = uint8((H + hue) mod 180)}, {@code S' = uint8(clip(S + sat, 0, 255))},
 * {@code V' = uint8(clip(V + val, 0, 255))} via lookup tables, then {@code HSV2RGB}. All OpenCV.
 */
public final class AlbuHueSaturationValue {
    private AlbuHueSaturationValue() {}

    public static void apply(Rgb8 img, double hue, double sat, double val) {
        Mat m = OpenCv.toMat(img);
        List<Mat> ch = new ArrayList<>(3);
        try {
            Imgproc.cvtColor(m, m, Imgproc.COLOR_RGB2HSV);
            Core.split(m, ch);
            if (hue != 0) lut(ch.get(0), v -> floorMod(v + hue, 180));
            if (sat != 0) lut(ch.get(1), v -> Math.max(0, Math.min(255, v + sat)));
            if (val != 0) lut(ch.get(2), v -> Math.max(0, Math.min(255, v + val)));
            Core.merge(ch, m);
            Imgproc.cvtColor(m, m, Imgproc.COLOR_HSV2RGB);
            m.get(0, 0, img.data);
        } finally {
            m.release();
            for (Mat c : ch) c.release();
        }
    }

    private static double floorMod(double x, double m) {
        double r = x % m;
        return r < 0 ? r + m : r;
    }

    private static void lut(Mat plane, java.util.function.DoubleUnaryOperator f) {
        byte[] t = new byte[256];
        for (int v = 0; v < 256; v++) t[v] = (byte) (int) f.applyAsDouble(v);
        Mat lt = new Mat(1, 256, CvType.CV_8UC1);
        lt.put(0, 0, t);
        Core.LUT(plane, lt, plane);
        lt.release();
    }
}
