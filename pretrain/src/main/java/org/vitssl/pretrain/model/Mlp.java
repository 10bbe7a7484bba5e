package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/** fc2(GELU(fc1(x))) with the exact (erf) GELU; names {@code fc1.*}, {@code fc2.*}. */
public final class Mlp extends NamedBlock {
    private final LinearLayer fc1;
    private final LinearLayer fc2;

    public Mlp(long dim, long hidden) {
        fc1 = child("fc1", LinearLayer.timm(dim, hidden, true));
        fc2 = child("fc2", LinearLayer.timm(hidden, dim, true));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return fc2.forward(ps, gelu(fc1.forward(ps, x, training)), training);
    }

    /** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's default, not the tanh form). */
    public static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }
}
