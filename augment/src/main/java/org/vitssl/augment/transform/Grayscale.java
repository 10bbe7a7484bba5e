package org.vitssl.augment.transform;

/**
 * {@code RandomGrayscale(p)} with 3 output channels: PIL's {@code convert("L")} (ITU-R 601-2 luma in fixed
 * point, {@code L = (19595R + 38470G + 7471B + 2^15) >> 16}, i.e. 0.299R + 0.587G + 0.114B rounded) copied
 * into R, G and B. Exact.
 */
public final class Grayscale {
    private Grayscale() {}

    public static void apply(Rgb8 img) {
        byte[] d = img.data;
        for (int i = 0; i < d.length; i += 3) {
            byte l = (byte) Rgb8.luma(d[i] & 0xff, d[i + 1] & 0xff, d[i + 2] & 0xff);
            d[i] = l; d[i + 1] = l; d[i + 2] = l;
        }
    }
}
