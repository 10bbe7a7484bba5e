package org.vitssl.augment.transform;

import java.util.SplittableRandom;

/**
 * torchvision's {@code RandomResizedCrop(size, scale, ratio=(3/4, 4/3), interpolation=BICUBIC)}.
 *
 * <p>Box (torchvision 0.14 {@code get_params}), for an image of W x H, area A = W*H:
 * up to 10 attempts draw {@code a ~ U(scale)} and {@code log r ~ U(log ratio_min, log ratio_max)}, then
 * {@code w = round(sqrt(a*A*r))}, {@code h = round(sqrt(a*A/r))} (round half to even, as Python's
 * {@code round}); an attempt is accepted when {@code 0 < w <= W} and {@code 0 < h <= H}, and the offset is
 * drawn uniformly as integers {@code top in [0, H-h]}, {@code left in [0, W-w]}. After 10 failures: a centre
 * crop of the whole image with its aspect ratio clamped to the range
 * ({@code W/H < min ratio: w = W, h = round(W / min)}; {@code > max: h = H, w = round(H * max)};
 * else the whole image), offsets {@code (H-h)//2}, {@code (W-w)//2}.
 *
 * <p>The box is then resized to size x size with PIL's bicubic ({@link PilBicubic}, bit-exact).
 */
public final class RandomResizedCrop implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public static final int ATTEMPTS = 10;

    private final int size;
    private final double scaleMin, scaleMax;
    private final double logRatioMin, logRatioMax;
    private final double ratioMin, ratioMax;

    public RandomResizedCrop(int size, double[] scale, double[] ratio) {
        this.size = size;
        this.scaleMin = scale[0];
        this.scaleMax = scale[1];
        this.ratioMin = ratio[0];
        this.ratioMax = ratio[1];
        this.logRatioMin = Math.log(ratio[0]);
        this.logRatioMax = Math.log(ratio[1]);
    }

    public int size() { return size; }

    private static double uniform(SplittableRandom r, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * r.nextDouble();
    }

    /** Draws the crop box for an image of the given size. */
    public CropBox sample(int width, int height, SplittableRandom r) {
        double area = (double) width * height;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * uniform(r, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(r, logRatioMin, logRatioMax));
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = r.nextInt(height - h + 1);
                int left = r.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return centreFallback(width, height);
    }

    /** The fallback box after 10 failed attempts. */
    public CropBox centreFallback(int width, int height) {
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < Math.min(ratioMin, ratioMax)) {
            w = width;
            h = (int) Math.rint(w / Math.min(ratioMin, ratioMax));
        } else if (inRatio > Math.max(ratioMin, ratioMax)) {
            h = height;
            w = (int) Math.rint(h * Math.max(ratioMin, ratioMax));
        } else {
            w = width;
            h = height;
        }
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }

    /** Crops the box and resizes it to size x size (PIL bicubic). */
    public static Rgb8 apply(Rgb8 img, CropBox box, int size) {
        return PilBicubic.resizeBox(img, box.left(), box.top(), box.width(), box.height(), size, size);
    }

    /**
     * Crops the box of a prepared source, resizes it to size x size (PIL bicubic) and, when {@code flip},
     * mirrors it left-right (fused into the resampling; the same bytes as {@link HorizontalFlip} after it).
     */
    public static Rgb8 apply(PilBicubic.Source src, CropBox box, int size, boolean flip) {
        return PilBicubic.resizeBox(src, box.left(), box.top(), box.width(), box.height(), size, size, flip);
    }

    public Rgb8 apply(Rgb8 img, SplittableRandom r) {
        return apply(img, sample(img.width, img.height, r), size);
    }
}
