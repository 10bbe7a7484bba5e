package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Conversions of a batch of patch masks between {@code boolean[rows][h*w]} (row-major cells, true =
 * masked) and DJL arrays of shape (rows, h, w) of booleans, plus small helpers used by the generators.
 */
public final class PatchMasks {
    private PatchMasks() {}

    /** (rows, h, w) BOOLEAN array in {@code m}. */
    public static NDArray toArray(NDManager m, boolean[][] masks, int h, int w) {
        byte[] flat = new byte[masks.length * h * w];
        int o = 0;
        for (boolean[] row : masks) {
            if (row.length != h * w) throw new IllegalArgumentException("mask row has " + row.length + " cells, expected " + h + "x" + w);
            for (boolean b : row) flat[o++] = (byte) (b ? 1 : 0);
        }
        return m.create(flat, new Shape(masks.length, h, w)).toType(DataType.BOOLEAN, false);
    }

    /** Back from any boolean/numeric array whose first axis is the row. */
    public static boolean[][] fromArray(NDArray a) {
        int rows = (int) a.getShape().get(0);
        int cells = (int) (a.getShape().size() / Math.max(1, rows));
        boolean[] flat = a.toType(DataType.BOOLEAN, false).toBooleanArray();
        boolean[][] out = new boolean[rows][cells];
        for (int r = 0; r < rows; r++) System.arraycopy(flat, r * cells, out[r], 0, cells);
        return out;
    }

    public static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) if (b) n++;
        return n;
    }

    /** Per row: keep the mask when u &lt; keepProb (u ~ U[0,1) drawn for every row), else clear it. */
    static void applyMaskingProb(boolean[][] masks, double keepProb, java.util.SplittableRandom rng) {
        if (keepProb >= 1.0) return;
        for (boolean[] row : masks) {
            double u = rng.nextDouble();
            if (!(u < keepProb)) java.util.Arrays.fill(row, false);
        }
    }
}
