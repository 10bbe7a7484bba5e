package org.vitssl.pretrain.attention;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.vitssl.common.image.OpenCv;

/** PNG heat maps of patch scores over the cropped image the attention job fed the model. */
final class AttentionOverlay {
    private AttentionOverlay() {}

    /**
     * A PNG of the image ({@code rgb}: size x size x 3, HWC) with a heat map of {@code scores} (a gh x gw
     * patch grid, min-max scaled, nearest-neighbour upsampled, JET colour map) blended at {@code alpha}.
     */
    static byte[] overlayPng(byte[] rgb, int size, float[] scores, int gh, int gw, double alpha) {
        OpenCv.load();
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            lo = Math.min(lo, s);
            hi = Math.max(hi, s);
        }
        float span = hi > lo ? hi - lo : 1f;
        byte[] heat = new byte[scores.length];
        for (int i = 0; i < scores.length; i++) heat[i] = (byte) Math.round(255f * (scores[i] - lo) / span);
        Mat small = new Mat(gh, gw, CvType.CV_8UC1);
        small.put(0, 0, heat);
        Mat big = new Mat();
        Imgproc.resize(small, big, new Size(size, size), 0, 0, Imgproc.INTER_NEAREST);
        Mat colour = new Mat();
        Imgproc.applyColorMap(big, colour, Imgproc.COLORMAP_JET);
        Mat img = new Mat(size, size, CvType.CV_8UC3);
        img.put(0, 0, rgb);
        Mat bgr = new Mat();
        Imgproc.cvtColor(img, bgr, Imgproc.COLOR_RGB2BGR);
        Mat blended = new Mat();
        Core.addWeighted(bgr, 1 - alpha, colour, alpha, 0, blended);
        MatOfByte png = new MatOfByte();
        Imgcodecs.imencode(".png", blended, png);
        byte[] out = png.toArray();
        for (Mat m : new Mat[] {small, big, colour, img, bgr, blended, png}) m.release();
        return out;
    }
}
