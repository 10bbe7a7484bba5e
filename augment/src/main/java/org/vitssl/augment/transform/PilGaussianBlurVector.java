package org.vitssl.augment.transform;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One extended-box pass of {@link PilGaussianBlur} along every column at once on the JDK 17 Vector API:
 * the output of a row and the running-sum update for the next row in one contiguous vector loop (one load
 * of the accumulator). The same wrapping int arithmetic and unsigned shift as the scalar pass, so the same
 * bytes. Loaded only when {@link PilBicubic#vectorized()} (the module is present).
 */
final class PilGaussianBlurVector {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int V = I.length();

    private PilGaussianBlurVector() {}

    static void columnPass(int[] src, int[] dst, int rowLen, int rows, int ri, int ww, int fw, int[] acc) {
        final int last = rows - 1;
        final int half = 1 << 23;
        final int vecEnd = I.loopBound(rowLen);
        java.util.Arrays.fill(acc, 0, rowLen, 0);
        for (int k = -ri; k <= ri; k++) {
            int o = clamp(k, last) * rowLen;
            int i = 0;
            for (; i < vecEnd; i += V) {
                IntVector.fromArray(I, acc, i).add(IntVector.fromArray(I, src, o + i)).intoArray(acc, i);
            }
            for (; i < rowLen; i++) acc[i] += src[o + i];
        }
        for (int y = 0; y < rows; y++) {
            int oa = clamp(y - ri - 1, last) * rowLen, ob = clamp(y + ri + 1, last) * rowLen, od = y * rowLen;
            int oout = clamp(y - ri, last) * rowLen;
            boolean more = y < last;
            int i = 0;
            for (; i < vecEnd; i += V) {
                IntVector a = IntVector.fromArray(I, acc, i);
                IntVector vb = IntVector.fromArray(I, src, ob + i);
                IntVector e = IntVector.fromArray(I, src, oa + i).add(vb);
                a.mul(ww).add(e.mul(fw)).add(half).lanewise(VectorOperators.LSHR, 24).intoArray(dst, od + i);
                if (more) a.add(vb).sub(IntVector.fromArray(I, src, oout + i)).intoArray(acc, i);
            }
            for (; i < rowLen; i++) {
                dst[od + i] = (acc[i] * ww + (src[oa + i] + src[ob + i]) * fw + half) >>> 24;
                if (more) acc[i] += src[ob + i] - src[oout + i];
            }
        }
    }

    private static int clamp(int i, int last) {
        return i < 0 ? 0 : (i > last ? last : i);
    }
}
