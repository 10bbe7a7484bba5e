package org.vitssl.augment.transform;

/**
 * PIL {@code ImageOps.solarize(img, threshold)}: {@code v < threshold ? v : 255 - v} per channel, through a
 * 256-entry lookup table (a tight byte-array loop). DINO uses threshold 128. Exact.
 */
public final class Solarize {
    private Solarize() {}

    public static byte[] table(int threshold) {
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = (byte) (v < threshold ? v : 255 - v);
        return lut;
    }

    public static void apply(Rgb8 img, int threshold) {
        img.applyLut(table(threshold));
    }
}
