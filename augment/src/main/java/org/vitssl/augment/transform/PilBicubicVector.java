package org.vitssl.augment.transform;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two passes of {@link PilBicubic} on the JDK 17 Vector API (incubator module
 * {@code jdk.incubator.vector}, preferred species: 16 int lanes with AVX-512). Same integer arithmetic as the
 * scalar kernels (32-bit products and sums, {@code (2^21 + sum) >> 22} clamped to [0, 255]), so the bytes are
 * identical; only the order of independent lanes changes.
 * <ul>
 * <li>Horizontal pass: the lanes are consecutive values of one output row (interleaved R, G, B of
 *     consecutive output columns). For downscaling up to about 4x, the source bytes of one output vector
 *     and one tap lie within one 64-byte vector: each tap is a contiguous load, a byte shuffle (the same for
 *     every tap and row), a widening to ints and a multiply-add with the weights laid out tap-major
 *     ({@link #horizontalShuffled}). Wider windows gather the source ints instead ({@link #horizontal}).</li>
 * <li>Vertical pass: contiguous along the row, the accumulator stays in a register over the taps, then it is
 *     shifted, clamped and narrowed to bytes in one store.</li>
 * </ul>
 * Loaded only through {@link PilBicubic}, which falls back to the scalar kernels when this class cannot be
 * linked (the JVM was started without {@code --add-modules=jdk.incubator.vector}).
 */
final class PilBicubicVector {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Bytes with as many lanes as {@link #I} (128 bits for 512-bit ints). */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, I.vectorBitSize() / 4))); // 128-bit ints: no match, not used
    private static final int V = I.length();
    private static final int BITS = PilBicubic.PRECISION_BITS;
    private static final int HALF = 1 << (BITS - 1);

    private PilBicubicVector() {}

    /**
     * Links the class (throws a LinkageError without the module) and checks that the shapes fit: at least
     * 256-bit vectors (AVX2 or AVX-512); with 128-bit vectors the scalar kernels are used.
     */
    static boolean available() {
        return V >= 4 && B.length() == V;
    }

    /** A row of the horizontal result holds {@code 3 outW} values, padded to whole vectors. */
    static int paddedRow(int outW) {
        return (outW * 3 + V - 1) / V * V;
    }

    /** The unsigned bytes as ints. */
    static int[] toInts(byte[] data) {
        int n = data.length;
        int[] out = new int[n];
        int i = 0;
        for (int end = B.loopBound(n); i < end; i += V) {
            ByteVector b = ByteVector.fromArray(B, data, i);
            ((IntVector) b.castShape(I, 0)).and(0xff).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = data[i] & 0xff;
        return out;
    }

    /**
     * Horizontal pass of source rows {@code y0 .. y0 + rows - 1}, columns from {@code left}, of an image
     * {@code srcW} pixels wide given as ints; returns rows of {@link #paddedRow} ints (8-bit values).
     */
    static int[] horizontal(int[] src, int srcW, int left, int y0, int rows, PilBicubic.Window win) {
        final int outW = win.start.length, K = win.k;
        final int n3 = outW * 3, stride = paddedRow(outW);
        // Gather offsets (relative to the row) and tap-major weights per lane; padding lanes read offset 0
        // with weight 0 and are never stored past the row's padding.
        int[] idx = new int[stride];
        int[] wt = new int[K * stride];
        for (int j = 0; j < n3; j++) {
            int xx = j / 3;
            idx[j] = (left + win.start[xx]) * 3 + j % 3;
            for (int t = 0; t < K; t++) wt[t * stride + j] = win.w[xx * K + t];
        }
        final int rs = srcW * 3;
        int[] out = new int[rows * stride];
        int y = 0;
        for (; y + 1 < rows; y += 2) {
            int r0 = (y0 + y) * rs, r1 = r0 + rs, o = y * stride;
            for (int j = 0; j < stride; j += V) {
                IntVector a0 = IntVector.broadcast(I, HALF), a1 = a0;
                for (int t = 0, p = 0; t < K; t++, p += 3) {
                    IntVector w = IntVector.fromArray(I, wt, t * stride + j);
                    a0 = a0.add(IntVector.fromArray(I, src, r0 + p, idx, j).mul(w));
                    a1 = a1.add(IntVector.fromArray(I, src, r1 + p, idx, j).mul(w));
                }
                clip(a0).intoArray(out, o + j);
                clip(a1).intoArray(out, o + stride + j);
            }
        }
        for (; y < rows; y++) {
            int r0 = (y0 + y) * rs, o = y * stride;
            for (int j = 0; j < stride; j += V) {
                IntVector a0 = IntVector.broadcast(I, HALF);
                for (int t = 0, p = 0; t < K; t++, p += 3) {
                    IntVector w = IntVector.fromArray(I, wt, t * stride + j);
                    a0 = a0.add(IntVector.fromArray(I, src, r0 + p, idx, j).mul(w));
                }
                clip(a0).intoArray(out, o + j);
            }
        }
        return out;
    }

    /** Whole source vectors of bytes from which the windows of one output vector are shuffled. */
    private static final VectorSpecies<Byte> W = ByteVector.SPECIES_PREFERRED;

    /**
     * The horizontal pass without gathers: for each vector of outputs, the bytes every tap needs lie within
     * one source vector of {@link #W} bytes starting at {@code row + idx[j] + 3t} (true when the crop is
     * downscaled less than about 4x), so each tap is a contiguous load, one byte shuffle (the same for
     * every tap and row), a widening to ints and a multiply-add. Returns null when some window does not
     * fit, or when a byte vector is not wider than an int vector's lane count; the caller then gathers.
     */
    static int[] horizontalShuffled(byte[] src, int srcW, int left, int y0, int rows, PilBicubic.Window win) {
        final int WL = W.length();
        if (WL <= V) return null;
        final int outW = win.start.length, K = win.k;
        final int n3 = outW * 3, stride = paddedRow(outW), blocks = stride / V;
        int[] idx = new int[stride];
        int[] wt = new int[K * stride];
        for (int j = 0; j < n3; j++) {
            int xx = j / 3;
            idx[j] = (left + win.start[xx]) * 3 + j % 3;
            for (int t = 0; t < K; t++) wt[t * stride + j] = win.w[xx * K + t];
        }
        for (int j = n3; j < stride; j++) idx[j] = idx[n3 - 1];
        int[] base = new int[blocks];
        byte[] pattern = new byte[blocks * WL];
        for (int bl = 0; bl < blocks; bl++) {
            int j0 = bl * V, lo = idx[j0];
            for (int l = 1; l < V; l++) lo = Math.min(lo, idx[j0 + l]); // columns run backwards when flipped
            base[bl] = lo;
            for (int l = 0; l < V; l++) {
                int rel = idx[j0 + l] - lo;
                if (rel >= WL) return null;
                pattern[bl * WL + l] = (byte) rel;
            }
        }
        final int rs = srcW * 3;
        // A window that would read past the end of the array (bottom right of the image) is done by scalar code.
        final int lastSafe = src.length - WL - 3 * (K - 1);
        int[] out = new int[rows * stride];
        for (int y = 0; y < rows; y++) {
            int r0 = (y0 + y) * rs, o = y * stride;
            for (int bl = 0; bl < blocks; bl++) {
                int j = bl * V;
                if (r0 + base[bl] > lastSafe) {
                    for (int l = j; l < j + V; l++) {
                        int acc = HALF;
                        for (int t = 0; t < K; t++) acc += (src[r0 + idx[l] + 3 * t] & 0xff) * wt[t * stride + l];
                        out[o + l] = PilBicubic.clip8(acc);
                    }
                    continue;
                }
                var sh = ByteVector.fromArray(W, pattern, bl * WL).toShuffle();
                IntVector a0 = IntVector.broadcast(I, HALF);
                for (int t = 0, p = r0 + base[bl]; t < K; t++, p += 3) {
                    ByteVector bytes = ByteVector.fromArray(W, src, p).rearrange(sh);
                    IntVector v = ((IntVector) bytes.reinterpretShape(B, 0).castShape(I, 0)).and(0xff);
                    a0 = a0.add(v.mul(IntVector.fromArray(I, wt, t * stride + j)));
                }
                clip(a0).intoArray(out, o + j);
            }
        }
        return out;
    }

    private static IntVector clip(IntVector acc) {
        return acc.lanewise(VectorOperators.ASHR, BITS).max(0).min(255);
    }

    /** Vertical pass over the horizontal result (rows of {@code inStride} ints, shifted by {@code rowShift}). */
    static Rgb8 vertical(int[] in, int inStride, int rowShift, PilBicubic.Coeffs cv, int outW, int outH) {
        final int rowLen = outW * 3;
        byte[] out = new byte[outH * rowLen];
        final int ks = cv.ksize;
        final int[] kk = cv.kk, b = cv.bounds;
        final int vecEnd = I.loopBound(rowLen);
        for (int yy = 0; yy < outH; yy++) {
            int ymin = b[yy * 2], n = b[yy * 2 + 1], kb = yy * ks;
            int base0 = (ymin + rowShift) * inStride;
            int o = yy * rowLen;
            int i = 0;
            for (; i < vecEnd; i += V) {
                IntVector acc = IntVector.broadcast(I, HALF);
                for (int t = 0, base = base0; t < n; t++, base += inStride) {
                    acc = acc.add(IntVector.fromArray(I, in, base + i).mul(kk[kb + t]));
                }
                clip(acc).castShape(B, 0).reinterpretAsBytes().intoArray(out, o + i);
            }
            for (; i < rowLen; i++) {
                int acc = HALF;
                for (int t = 0, base = base0; t < n; t++, base += inStride) acc += in[base + i] * kk[kb + t];
                out[o + i] = (byte) PilBicubic.clip8(acc);
            }
        }
        return new Rgb8(outW, outH, out);
    }
}
