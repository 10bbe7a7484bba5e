package org.vitssl.augment.transform;

/**
 * PIL's bicubic resampling ({@code Image.resize(size, BICUBIC)}, Pillow 9.4), reimplemented from its
 * definition so that outputs are bit-identical to PIL on 8-bit RGB:
 * <ul>
 * <li>Separable, horizontal pass first (into an 8-bit temporary of the rows the vertical pass needs), then
 *     vertical; a pass is skipped when that dimension is unchanged.</li>
 * <li>Kernel: Keys cubic with a = -0.5: {@code k(x) = (a+2)|x|^3 - (a+3)|x|^2 + 1} for |x| < 1,
 *     {@code a(|x|^3 - 5|x|^2 + 8|x| - 4)} for 1 <= |x| < 2, else 0.</li>
 * <li>Antialiasing: with {@code scale = in/out} and {@code fs = max(scale, 1)}, output i is centred at
 *     {@code (i + 0.5) * scale}; taps {@code x in [int(c - 2fs + 0.5), int(c + 2fs + 0.5))} clipped to the
 *     image, weight {@code k((x - c + 0.5) / fs)}, normalised to sum 1.</li>
 * <li>Fixed point: weights are rounded to 22 fractional bits (half away from zero); each output is
 *     {@code (2^21 + sum v*w) >> 22} clamped to [0, 255].</li>
 * </ul>
 * The source may be a rectangle of a larger image (PIL's {@code crop} followed by {@code resize}).
 * Tight primitive-array kernel: no allocation per pixel, integer multiply-adds only.
 */
public final class PilBicubic {
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PilBicubic() {}

    static double filter(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /** Coefficients of one axis: bounds[2i] = first tap, bounds[2i+1] = tap count; kk[i*ksize + t]. */
    static final class Coeffs {
        final int ksize;
        final int[] bounds;
        final int[] kk;

        Coeffs(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = SUPPORT * filterscale;
            ksize = (int) Math.ceil(support) * 2 + 1;
            bounds = new int[outSize * 2];
            kk = new int[outSize * ksize];
            double[] k = new double[ksize];
            double ss = 1.0 / filterscale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) xmin = 0;
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double w = filter((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? k[x] / ww : k[x];
                    double p = w * (1 << PRECISION_BITS);
                    kk[xx * ksize + x] = (int) (w < 0 ? -0.5 + p : 0.5 + p);
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
        }
    }

    static int clip8(int v) {
        v >>= PRECISION_BITS;
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }

    /** Whether the Vector API kernels are in use (asked for, and jdk.incubator.vector present). */
    private static final boolean VECTOR = detectVector();

    private static boolean detectVector() {
        // On by default; -Dvitssl.augment.vector=false forces the scalar kernels (the same bytes). The NaN losses
        // the two-executor stage once showed with these kernels were not theirs: the executors' vector kernels gave
        // the scalar kernels' bytes call for call, and the faster, allocation-heavier augment workers made garbage
        // collections fall inside training steps, where they freed direct buffers that libtorch still used
        // (DJL's scalar operands saved by autograd, see pretrain's Scalars; averaged gradients, see ReplicaSync).
        if (!Boolean.parseBoolean(System.getProperty("vitssl.augment.vector", "true"))) return false;
        try {
            return PilBicubicVector.available();
        } catch (LinkageError | RuntimeException e) { // module absent (no --add-modules=jdk.incubator.vector)
            return false;
        }
    }

    /**
     * True when the resampling runs on the JDK Vector API ({@code --add-modules=jdk.incubator.vector}, vectors of
     * at least 256 bits, and not turned off with {@code -Dvitssl.augment.vector=false}); the scalar kernels
     * otherwise. Both give the same bytes.
     */
    public static boolean vectorized() { return VECTOR; }

    /**
     * A source image prepared for several resamplings (the crops of one photo): when a horizontal pass must
     * gather (more than ~4x downscaling), the Vector API kernels read the pixels as ints, converted once
     * here on first use. The image must not change while the source is in use.
     */
    public static final class Source {
        private final Rgb8 img;
        private int[] ints;

        public Source(Rgb8 img) { this.img = img; }

        public Rgb8 image() { return img; }

        /** Makes the pixels as ints (for the gathering kernel) now rather than on first use. */
        public Source prepare() {
            if (VECTOR) ints();
            return this;
        }

        int[] ints() {
            int[] a = ints;
            if (a == null) ints = a = PilBicubicVector.toInts(img.data);
            return a;
        }
    }

    /** Resizes the whole image. */
    public static Rgb8 resize(Rgb8 src, int outW, int outH) {
        return resizeBox(src, 0, 0, src.width, src.height, outW, outH);
    }

    /**
     * PIL's {@code img.crop((left, top, left + w, top + h)).resize((outW, outH), BICUBIC)}; the box must
     * lie inside the image.
     */
    public static Rgb8 resizeBox(Rgb8 src, int left, int top, int w, int h, int outW, int outH) {
        return resizeBox(new Source(src), left, top, w, h, outW, outH, false);
    }

    /**
     * As {@link #resizeBox(Rgb8, int, int, int, int, int, int)}, then mirrored left-right when {@code flip}
     * (PIL's {@code FLIP_LEFT_RIGHT}). The flip is fused into the horizontal pass (output column x takes the
     * taps and weights of column {@code outW - 1 - x}: the same integer sums), so it costs nothing.
     */
    public static Rgb8 resizeBox(Source source, int left, int top, int w, int h, int outW, int outH, boolean flip) {
        return resizeBox(source, left, top, w, h, outW, outH, flip, VECTOR);
    }

    /** The implementation, with the kernel family chosen by the caller (tests compare both). */
    static Rgb8 resizeBox(Source source, int left, int top, int w, int h, int outW, int outH, boolean flip,
                          boolean vector) {
        Rgb8 src = source.image();
        if (left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > src.width || top + h > src.height) {
            throw new IllegalArgumentException("box " + left + "," + top + " " + w + "x" + h
                    + " outside image " + src.width + "x" + src.height);
        }
        boolean needH = outW != w;
        boolean needV = outH != h;
        if (!needH) {
            Rgb8 out = needV ? verticalBytes(src, left, top, outW, new Coeffs(h, outH), outH) : crop(src, left, top, w, h);
            if (flip) HorizontalFlip.apply(out);
            return out;
        }
        Coeffs cv = needV ? new Coeffs(h, outH) : null;
        int yFirst = 0, yLast = h;
        if (needV) {
            yFirst = cv.bounds[0];
            yLast = cv.bounds[outH * 2 - 2] + cv.bounds[outH * 2 - 1];
        }
        Window win = new Window(new Coeffs(w, outW), w, outW, flip);
        if (vector) {
            int[] itmp = PilBicubicVector.horizontalShuffled(src.data, src.width, left, top + yFirst, yLast - yFirst, win);
            if (itmp == null) { // windows too wide for one byte vector (> ~4x downscaling): gather
                itmp = PilBicubicVector.horizontal(source.ints(), src.width, left, top + yFirst, yLast - yFirst, win);
            }
            int stride = PilBicubicVector.paddedRow(outW);
            return needV ? PilBicubicVector.vertical(itmp, stride, -yFirst, cv, outW, outH)
                    : toBytes(itmp, stride, outW, outH);
        }
        int[] itmp = horizontalScalar(src, left, top + yFirst, yLast - yFirst, win);
        return needV ? verticalInt(itmp, outW * 3, -yFirst, cv, outW, outH) : toBytes(itmp, outW * 3, outW, outH);
    }

    /**
     * The horizontal taps of every output column as a fixed-width window (zero weights outside PIL's taps add
     * exactly 0), so that the inner loops have one trip count: output column x reads source columns
     * {@code start[x] .. start[x] + k - 1} (crop coordinates) with weights {@code w[x * k + t]}.
     */
    static final class Window {
        final int k;
        final int[] start, w;

        Window(Coeffs ch, int inW, int outW, boolean flip) {
            int kw = 0;
            for (int xx = 0; xx < outW; xx++) kw = Math.max(kw, ch.bounds[xx * 2 + 1]);
            k = kw;
            start = new int[outW];
            w = new int[outW * k];
            for (int xx = 0; xx < outW; xx++) {
                int sx = flip ? outW - 1 - xx : xx;
                int xmin = ch.bounds[sx * 2], n = ch.bounds[sx * 2 + 1];
                int st = Math.min(xmin, inW - k);
                start[xx] = st;
                for (int t = 0; t < n; t++) w[xx * k + (xmin - st) + t] = ch.kk[sx * ch.ksize + t];
            }
        }
    }

    private static Rgb8 toBytes(int[] itmp, int stride, int outW, int outH) {
        int rowLen = outW * 3;
        byte[] out = new byte[outH * rowLen];
        for (int y = 0; y < outH; y++) {
            for (int i = 0; i < rowLen; i++) out[y * rowLen + i] = (byte) itmp[y * stride + i];
        }
        return new Rgb8(outW, outH, out);
    }

    /** Scalar horizontal pass of source rows {@code y0 .. y0 + rows - 1} into 8-bit values held as ints. */
    private static int[] horizontalScalar(Rgb8 src, int left, int y0, int rows, Window win) {
        final byte[] s = src.data;
        final int sw = src.width, outW = win.start.length, K = win.k;
        final int tmpStride = outW * 3;
        final int[] fk = win.w;
        int[] start = new int[outW];
        for (int xx = 0; xx < outW; xx++) start[xx] = win.start[xx] * 3;
        int[] itmp = new int[rows * tmpStride];
        final int half = 1 << (PRECISION_BITS - 1);
        final int rs = sw * 3;
        int y = 0;
        // Two rows per sweep: each weight is loaded once for both (35% faster, same sums).
        for (; y + 1 < rows; y += 2) {
            int rowBase = ((y0 + y) * sw + left) * 3;
            int o = y * tmpStride, o2 = o + tmpStride;
            for (int xx = 0, kb = 0; xx < outW; xx++, kb += K) {
                int s0 = half, s1 = half, s2 = half, u0 = half, u1 = half, u2 = half;
                int p = rowBase + start[xx];
                for (int t = 0; t < K; t++, p += 3) {
                    int k = fk[kb + t];
                    s0 += (s[p] & 0xff) * k;
                    s1 += (s[p + 1] & 0xff) * k;
                    s2 += (s[p + 2] & 0xff) * k;
                    u0 += (s[p + rs] & 0xff) * k;
                    u1 += (s[p + rs + 1] & 0xff) * k;
                    u2 += (s[p + rs + 2] & 0xff) * k;
                }
                itmp[o++] = clip8(s0);
                itmp[o++] = clip8(s1);
                itmp[o++] = clip8(s2);
                itmp[o2++] = clip8(u0);
                itmp[o2++] = clip8(u1);
                itmp[o2++] = clip8(u2);
            }
        }
        for (; y < rows; y++) {
            int rowBase = ((y0 + y) * sw + left) * 3;
            int o = y * tmpStride;
            for (int xx = 0, kb = 0; xx < outW; xx++, kb += K) {
                int s0 = half, s1 = half, s2 = half;
                int p = rowBase + start[xx];
                for (int t = 0; t < K; t++, p += 3) {
                    int k = fk[kb + t];
                    s0 += (s[p] & 0xff) * k;
                    s1 += (s[p + 1] & 0xff) * k;
                    s2 += (s[p + 2] & 0xff) * k;
                }
                itmp[o++] = clip8(s0);
                itmp[o++] = clip8(s1);
                itmp[o++] = clip8(s2);
            }
        }
        return itmp;
    }

    /** Vertical pass straight from the source bytes (no horizontal pass). */
    private static Rgb8 verticalBytes(Rgb8 src, int left, int top, int outW, Coeffs cv, int outH) {
        final byte[] in = src.data;
        final int rowLen = outW * 3;
        final int inStride = src.width * 3;
        final int colOff = left * 3;
        byte[] out = new byte[outH * rowLen];
        int[] acc = new int[rowLen];
        final int ks = cv.ksize;
        final int[] kk = cv.kk, b = cv.bounds;
        final int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outH; yy++) {
            java.util.Arrays.fill(acc, half);
            int ymin = b[yy * 2], n = b[yy * 2 + 1];
            for (int t = 0; t < n; t++) {
                int k = kk[yy * ks + t];
                int base = (ymin + t + top) * inStride + colOff;
                for (int i = 0; i < rowLen; i++) acc[i] += (in[base + i] & 0xff) * k;
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) out[o + i] = (byte) clip8(acc[i]);
        }
        return new Rgb8(outW, outH, out);
    }

    /** The vertical pass over an int intermediate (values 0..255), rows shifted by {@code rowShift}. */
    private static Rgb8 verticalInt(int[] in, int inStride, int rowShift, Coeffs cv, int outW, int outH) {
        final int rowLen = outW * 3;
        byte[] out = new byte[outH * rowLen];
        int[] acc = new int[rowLen];
        final int ks = cv.ksize;
        final int[] kk = cv.kk, b = cv.bounds;
        final int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outH; yy++) {
            java.util.Arrays.fill(acc, half);
            int ymin = b[yy * 2], n = b[yy * 2 + 1];
            for (int t = 0; t < n; t++) {
                int k = kk[yy * ks + t];
                int base = (ymin + t + rowShift) * inStride;
                for (int i = 0; i < rowLen; i++) acc[i] += in[base + i] * k;
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) out[o + i] = (byte) Math.max(0, Math.min(255, acc[i] >> PRECISION_BITS));
        }
        return new Rgb8(outW, outH, out);
    }

    /** PIL's {@code crop}: a copy of the box. */
    public static Rgb8 crop(Rgb8 src, int left, int top, int w, int h) {
        Rgb8 out = Rgb8.blank(w, h);
        for (int y = 0; y < h; y++) {
            System.arraycopy(src.data, ((top + y) * src.width + left) * 3, out.data, y * w * 3, w * 3);
        }
        return out;
    }
}
