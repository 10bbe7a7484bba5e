package org.vitssl.pretrain.attention;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

import java.io.Serializable;

/**
 * The evaluation transform of the attention job (a minimal stand-in until the augment module's eval
 * transform is merged): decode, resize the shorter side to {@code resize} (bicubic, torchvision's
 * rounding: the longer side becomes floor(resize * long / short)), centre crop {@code crop} x
 * {@code crop} (top = round((h - crop) / 2)), then per channel (x / 255 - mean) / std, CHW float.
 * An image that is already {@code crop} x {@code crop} is not resized (identity geometry).
 *
 * <p>OpenCV's bicubic (A = -0.75, no antialiasing) differs slightly from PIL's when shrinking.
 */
public final class EvalTransform implements Serializable {
    private static final long serialVersionUID = 1L;

    static {
        nu.pattern.OpenCV.loadLocally();
    }

    private final int resize;
    private final int crop;
    private final float[] mean;
    private final float[] std;

    public EvalTransform(int resize, int crop, float[] mean, float[] std) {
        if (crop < 1 || resize < crop) throw new IllegalArgumentException("need 1 <= crop (" + crop + ") <= resize (" + resize + ")");
        this.resize = resize;
        this.crop = crop;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public int crop() { return crop; }

    /** A decoded, cropped image: RGB bytes (crop x crop x 3, HWC) and the normalised CHW floats. */
    public record Result(byte[] rgb, float[] chw) {}

    /** Decodes and transforms; throws IllegalArgumentException when the bytes are not an image. */
    public Result apply(byte[] encoded) {
        Mat bgr = Imgcodecs.imdecode(new MatOfByte(encoded), Imgcodecs.IMREAD_COLOR);
        try {
            if (bgr.empty()) throw new IllegalArgumentException("not a decodable image (" + encoded.length + " bytes)");
            Mat rgb = new Mat();
            Imgproc.cvtColor(bgr, rgb, Imgproc.COLOR_BGR2RGB);
            Mat cropped = resizeAndCrop(rgb);
            byte[] px = new byte[crop * crop * 3];
            cropped.get(0, 0, px);
            rgb.release();
            cropped.release();
            float[] chw = new float[3 * crop * crop];
            int plane = crop * crop;
            float[] scale = new float[3], shift = new float[3];
            for (int c = 0; c < 3; c++) {
                scale[c] = 1f / (255f * std[c]);
                shift[c] = mean[c] / std[c];
            }
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) chw[c * plane + i] = (px[3 * i + c] & 0xff) * scale[c] - shift[c];
            }
            return new Result(px, chw);
        } finally {
            bgr.release();
        }
    }

    private Mat resizeAndCrop(Mat rgb) {
        int w = rgb.cols(), h = rgb.rows();
        if (w == crop && h == crop) {
            Mat c = new Mat();
            rgb.copyTo(c);
            return c;
        }
        int nw, nh;
        if (w <= h) {
            nw = resize;
            nh = (int) ((long) resize * h / w);
        } else {
            nh = resize;
            nw = (int) ((long) resize * w / h);
        }
        Mat r = new Mat();
        Imgproc.resize(rgb, r, new Size(nw, nh), 0, 0, Imgproc.INTER_CUBIC);
        int top = (int) Math.round((nh - crop) / 2.0), left = (int) Math.round((nw - crop) / 2.0);
        Mat c = new Mat();
        r.submat(new Rect(left, top, crop, crop)).copyTo(c);
        r.release();
        return c;
    }

    /**
     * A PNG of the image with a heat map of {@code scores} (a gh x gw patch grid, min-max scaled,
     * nearest-neighbour upsampled, JET colour map) blended at {@code alpha}.
     */
    public static byte[] overlayPng(byte[] rgb, int size, float[] scores, int gh, int gw, double alpha) {
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
