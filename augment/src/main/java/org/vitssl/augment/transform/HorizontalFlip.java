package org.vitssl.augment.transform;

/**
 * {@code RandomHorizontalFlip(p)}: with probability p, mirror left-right ({@code out[y][x] = in[y][W-1-x]},
 * PIL's {@code FLIP_LEFT_RIGHT}). Exact.
 */
public final class HorizontalFlip {
    private HorizontalFlip() {}

    /** Mirrors the image in place. */
    public static void apply(Rgb8 img) {
        byte[] d = img.data;
        int w = img.width;
        for (int y = 0; y < img.height; y++) {
            int a = y * w * 3, b = a + (w - 1) * 3;
            while (a < b) {
                byte t0 = d[a], t1 = d[a + 1], t2 = d[a + 2];
                d[a] = d[b]; d[a + 1] = d[b + 1]; d[a + 2] = d[b + 2];
                d[b] = t0; d[b + 1] = t1; d[b + 2] = t2;
                a += 3;
                b -= 3;
            }
        }
    }
}
