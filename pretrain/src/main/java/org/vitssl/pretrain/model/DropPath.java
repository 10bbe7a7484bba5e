package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Stochastic depth on a residual branch, per sample: out_b = branch_b * floor(keep + u_b) / keep with
 * u_b ~ U(0, 1) and keep = 1 - rate; so each sample's branch is dropped with probability {@code rate}
 * and kept samples are scaled by 1/keep. Identity when not training or rate is 0. The draw uses the
 * engine's generator.
 */
public final class DropPath {
    private DropPath() {}

    public static NDArray apply(NDArray branch, double rate, boolean training) {
        if (!training || rate <= 0) return branch;
        float keep = (float) (1.0 - rate);
        Shape s = branch.getShape();
        long[] maskShape = new long[s.dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = s.get(0);
        NDArray u = branch.getManager().randomUniform(0f, 1f, new Shape(maskShape), branch.getDataType());
        NDArray keepMask = u.add(keep).floor();
        return branch.mul(keepMask.div(keep));
    }

    /** Per-block rates linspace(0, maxRate, depth). */
    public static double[] linspace(double maxRate, int depth) {
        double[] r = new double[depth];
        for (int i = 0; i < depth; i++) r[i] = depth == 1 ? 0.0 : maxRate * i / (depth - 1);
        return r;
    }
}
