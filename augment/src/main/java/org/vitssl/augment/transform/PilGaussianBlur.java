package org.vitssl.augment.transform;

/**
 * PIL {@code ImageFilter.GaussianBlur(radius)} (Pillow 9.4), the blur DINO uses with radius ~ U(0.1, 2.0)
 * as the Gaussian's standard deviation. Pillow approximates the Gaussian by three passes of an extended box
 * blur per axis (Gwosdek et al. 2011), and this class reproduces that approximation exactly, not a true
 * Gaussian:
 * <ul>
 * <li>Box radius (float32 arithmetic): {@code s2 = sigma^2 / 3}, {@code L = sqrt(12 s2 + 1)},
 *     {@code l = floor((L - 1) / 2)}, {@code a = (2l+1)(l(l+1) - 3 s2) / (6 (s2 - (l+1)^2))}, {@code r = l + a}.</li>
 * <li>One pass along a line, with integer radius {@code ri = int(r)}, weights
 *     {@code ww = int(2^24 / (2r + 1))} and {@code fw = (2^24 - (2ri + 1) ww) / 2} for the two fractional edge
 *     taps: {@code out[x] = (ww * sum_{|i-x|<=ri} v[i] + fw * (v[x-ri-1] + v[x+ri+1]) + 2^23) >> 24}, indices
 *     clamped to the line (edge pixels repeat).</li>
 * <li>Three passes along rows, then three along columns, each pass rounded to 8 bits.</li>
 * </ul>
 * Bit-identical to Pillow 9.4 (see the fixture test). A tight kernel on primitive arrays; OpenCV's
 * GaussianBlur is a true Gaussian and would differ by several grey levels.
 */
public final class PilGaussianBlur {
    public static final int PASSES = 3;

    private PilGaussianBlur() {}

    /** Pillow's box radius for a Gaussian standard deviation {@code radius} and 3 passes. */
    public static float boxRadius(float radius) {
        float sigma2 = radius * radius / PASSES;
        float bigL = (float) Math.sqrt(12.0 * sigma2 + 1.0);
        float l = (float) Math.floor((bigL - 1.0) / 2.0);
        float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
        a /= 6 * (sigma2 - (l + 1) * (l + 1));
        return l + a;
    }

    /** Blurs in place with the given standard deviation (PIL's "radius"). */
    public static void apply(Rgb8 img, double radius) {
        float r = boxRadius((float) radius);
        int ri = (int) r;
        long ww = (long) ((float) (1 << 24) / (r * 2 + 1));
        long fw = ((1L << 24) - (ri * 2 + 1) * ww) / 2;
        int w = img.width, h = img.height;
        int maxLen = Math.max(w, h);
        int[] line = new int[maxLen + 2 * (ri + 1)];
        byte[] d = img.data;
        for (int c = 0; c < 3; c++) {
            for (int pass = 0; pass < PASSES; pass++) {
                for (int y = 0; y < h; y++) blurLine(d, (y * w) * 3 + c, 3, w, ri, ww, fw, line);
            }
            for (int pass = 0; pass < PASSES; pass++) {
                for (int x = 0; x < w; x++) blurLine(d, x * 3 + c, w * 3, h, ri, ww, fw, line);
            }
        }
    }

    /** One box-blur pass over n values at d[start + i*stride], in place, via a padded copy in {@code line}. */
    private static void blurLine(byte[] d, int start, int stride, int n, int ri, long ww, long fw, int[] line) {
        int pad = ri + 1;
        int first = d[start] & 0xff, last = d[start + (n - 1) * stride] & 0xff;
        for (int i = 0; i < pad; i++) line[i] = first;
        for (int i = 0, p = start; i < n; i++, p += stride) line[pad + i] = d[p] & 0xff;
        for (int i = 0; i < pad; i++) line[pad + n + i] = last;
        // Window sum over padded indices [x + pad - ri, x + pad + ri] for x = 0.
        long acc = 0;
        for (int i = pad - ri; i <= pad + ri; i++) acc += line[i];
        final long half = 1L << 23;
        for (int x = 0, p = start; x < n; x++, p += stride) {
            int c = x + pad;
            long bulk = acc * ww + (long) (line[c - ri - 1] + line[c + ri + 1]) * fw;
            d[p] = (byte) ((bulk + half) >>> 24);
            if (x + 1 < n) acc += line[c + ri + 1] - line[c - ri];
        }
    }
}
