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
 * Bit-identical to Pillow 9.4 (see the fixture test). A tight kernel on primitive arrays (the column passes
 * on the Vector API when available: {@link PilGaussianBlurVector}); OpenCV's
 * GaussianBlur is a true Gaussian and would differ by several grey levels.
 */
public final class PilGaussianBlur {
    public static final int PASSES = 3;
    /** Per-thread work arrays (reused: a view is blurred once, on one thread). */
    private static final ThreadLocal<int[][]> SCRATCH = ThreadLocal.withInitial(() -> new int[][] {new int[0], new int[0]});

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
        apply(img, radius, PilBicubic.vectorized());
    }

    /** The implementation, with the column-pass kernel chosen by the caller (tests compare both). */
    static void apply(Rgb8 img, double radius, boolean vector) {
        float r = boxRadius((float) radius);
        int ri = (int) r;
        int ww = (int) (long) ((float) (1 << 24) / (r * 2 + 1));
        int fw = (int) (((1L << 24) - (ri * 2 + 1) * (long) ww) / 2);
        int w = img.width, h = img.height, n = w * h * 3;
        byte[] d = img.data;
        int[][] sc = SCRATCH.get();
        if (sc[0].length < n) { sc[0] = new int[n]; sc[1] = new int[n]; }
        int[] a = sc[0], b = sc[1];
        // Horizontal passes = vertical passes on the transposed image (rows of length 3h, w of them).
        for (int y = 0; y < h; y++) {
            for (int x = 0, p = y * w * 3; x < w; x++, p += 3) {
                int q = (x * h + y) * 3;
                a[q] = d[p] & 0xff; a[q + 1] = d[p + 1] & 0xff; a[q + 2] = d[p + 2] & 0xff;
            }
        }
        int[] t = passes(a, b, h * 3, w, ri, ww, fw, vector);
        int[] u = t == a ? b : a;
        for (int x = 0; x < w; x++) {
            for (int y = 0, q = x * h * 3; y < h; y++, q += 3) {
                int p = (y * w + x) * 3;
                u[p] = t[q]; u[p + 1] = t[q + 1]; u[p + 2] = t[q + 2];
            }
        }
        int[] res = passes(u, t, w * 3, h, ri, ww, fw, vector);
        for (int i = 0; i < n; i++) d[i] = (byte) res[i];
    }

    /** PASSES box blurs along the columns of a rows x rowLen array, ping-ponging; returns the result array. */
    private static int[] passes(int[] src, int[] dst, int rowLen, int rows, int ri, int ww, int fw, boolean vector) {
        int[] acc = new int[rowLen]; // small (one row)
        for (int pass = 0; pass < PASSES; pass++) {
            if (vector) PilGaussianBlurVector.columnPass(src, dst, rowLen, rows, ri, ww, fw, acc);
            else columnPass(src, dst, rowLen, rows, ri, ww, fw, acc);
            int[] tmp = src; src = dst; dst = tmp;
        }
        return src;
    }

    /**
     * One pass along every column at once (contiguous inner loops). Sums fit in 32 unsigned bits
     * ({@code 255 * 2^24 + 2^23 < 2^32}), so int arithmetic that wraps and an unsigned shift are exact.
     */
    private static void columnPass(int[] src, int[] dst, int rowLen, int rows, int ri, int ww, int fw, int[] acc) {
        final int last = rows - 1;
        final int half = 1 << 23;
        java.util.Arrays.fill(acc, 0);
        for (int k = -ri; k <= ri; k++) {
            int o = clamp(k, last) * rowLen;
            for (int i = 0; i < rowLen; i++) acc[i] += src[o + i];
        }
        for (int y = 0; y < rows; y++) {
            int oa = clamp(y - ri - 1, last) * rowLen, ob = clamp(y + ri + 1, last) * rowLen, od = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                dst[od + i] = (acc[i] * ww + (src[oa + i] + src[ob + i]) * fw + half) >>> 24;
            }
            if (y < last) {
                int oin = ob, oout = clamp(y - ri, last) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += src[oin + i] - src[oout + i];
            }
        }
    }

    private static int clamp(int i, int last) {
        return i < 0 ? 0 : (i > last ? last : i);
    }
}
