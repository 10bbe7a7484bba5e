package org.vitssl.augment.transform;

/**
 * torchvision {@code adjust_contrast} on a PIL image = {@code ImageEnhance.Contrast(img).enhance(f)}:
 * {@code m = int(mean(L) + 0.5)} where L is PIL's grayscale ({@code (19595R + 38470G + 7471B + 2^15) >> 16})
 * and the mean is over all pixels; then {@code out = clamp(trunc(m + f * (v - m)))} per channel (float32).
 * Applied as a 256-entry lookup table (a tight byte-array loop). Exact.
 */
public final class AdjustContrast {
    private AdjustContrast() {}

    public static void apply(Rgb8 img, double factor) {
        byte[] d = img.data;
        long sum = 0;
        for (int i = 0; i < d.length; i += 3) sum += Rgb8.luma(d[i] & 0xff, d[i + 1] & 0xff, d[i + 2] & 0xff);
        double mean = (double) sum / (img.width * (double) img.height);
        int m = (int) (mean + 0.5);
        img.applyLut(PilBlend.lut(m, (float) factor));
    }
}
