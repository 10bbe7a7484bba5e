package org.vitssl.pretrain.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * A teacher centre {@code c} (one value per output dimension) with its EMA update
 * {@code c <- m * c + (1 - m) * mean(rows)}, where the mean runs over every row of the teacher
 * logits of the step on all workers ({@link CenterSync}). It starts at zeros. The values are kept as
 * a plain float[] (checkpointed through {@link #get()} / {@link #set(float[])}) and materialised as
 * an NDArray in the step's manager when a loss uses them.
 */
public final class EmaCenter {
    private final float[] c;
    private final double momentum;
    private CenterSync sync = CenterSync.LOCAL;

    public EmaCenter(int dim, double momentum) {
        if (dim < 1) throw new IllegalArgumentException("centre dimension must be >= 1, got " + dim);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("centre momentum must be in [0, 1], got " + momentum);
        this.c = new float[dim];
        this.momentum = momentum;
    }

    public int dim() { return c.length; }
    public double momentum() { return momentum; }

    public void setSync(CenterSync sync) {
        this.sync = sync == null ? CenterSync.LOCAL : sync;
    }

    /** A copy of the current centre. */
    public float[] get() { return c.clone(); }

    /** Restores the centre (from a checkpoint). */
    public void set(float[] values) {
        if (values.length != c.length) {
            throw new IllegalArgumentException("centre has " + c.length + " values, got " + values.length);
        }
        System.arraycopy(values, 0, c, 0, c.length);
    }

    /** The centre as a float32 NDArray of the given shape (its size must equal dim) in {@code m}. */
    public NDArray asArray(NDManager m, Shape shape) {
        return m.create(c, shape);
    }

    /**
     * EMA update from teacher logits whose last axis is the centre's dimension; every other axis is a
     * row. Call it after the loss used the previous centre. No gradient is involved.
     */
    public void update(NDArray teacher) {
        long k = teacher.getShape().get(teacher.getShape().dimension() - 1);
        if (k != c.length) throw new IllegalArgumentException("teacher last axis " + k + " != centre dimension " + c.length);
        NDArray rows = teacher.stopGradient().reshape(-1, k);
        updateFromSum(rows.toType(DataType.FLOAT32, false).sum(new int[] {0}), rows.getShape().get(0));
    }

    /**
     * The same EMA update from the sum over {@code n} teacher rows (K values, any shape of size K) instead of the
     * rows themselves (for a linear last layer, W applied to the sum of its inputs).
     */
    public void updateFromSum(NDArray rowSum, long n) {
        if (rowSum.getShape().size() != c.length) throw new IllegalArgumentException("row sum " + rowSum.getShape() + " != centre dimension " + c.length);
        NDArray sum = rowSum.stopGradient().toType(DataType.FLOAT32, false);
        float[] local = Arrays.copyOf(sum.toFloatArray(), c.length + 1);
        local[c.length] = n;
        float[] global = sync.allReduceSum(local);
        if (global.length != c.length + 1) throw new IllegalStateException("centre sync returned " + global.length + " values");
        float count = global[c.length];
        float keep = (float) momentum, take = (float) (1.0 - momentum);
        for (int i = 0; i < c.length; i++) {
            c[i] = c[i] * keep + (global[i] / count) * take;
        }
    }
}
