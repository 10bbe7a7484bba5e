package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Weight-normalised Linear without bias (PyTorch {@code weight_norm(Linear(in, K, bias=False))}):
 * <pre>
 *   W_k = g_k * v_k / ||v_k||_2      (norm over the in inputs of output unit k)
 *   y = x W^T
 * </pre>
 * W is recomputed every forward, so gradients reach v through the normalisation. Names
 * {@code weight_g} (K, 1), init 1, and {@code weight_v} (K, in), init U(-1/sqrt(in), 1/sqrt(in))
 * (PyTorch's Linear default, as DINO creates it after its init pass). With {@code freezeG} (DINO's
 * norm_last_layer) g stays at 1 and gets no gradient.
 */
public final class WeightNormLinear extends NamedBlock {
    private final Parameter g;
    private final Parameter v;
    private final boolean freezeG;

    public WeightNormLinear(long in, long out, boolean freezeG) {
        this.freezeG = freezeG;
        g = param("weight_g", new Shape(out, 1), Init.ONES, Parameter.Type.WEIGHT);
        v = param("weight_v", new Shape(out, in), Init.torchDefault(in), Parameter.Type.WEIGHT);
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (freezeG) g.freeze(true);
    }

    public boolean gFrozen() { return freezeG; }

    /** The effective weight W (K, in) in the manager of {@code like}. */
    public NDArray effectiveWeight(ParameterStore ps, NDArray like, boolean training) {
        NDManager m = like.getManager();
        NDArray va = value(ps, v, like, training);
        NDArray ga = value(ps, g, like, training);
        NDArray norm = own(va.norm(new int[] {1}, true), m);
        return own(va.mul(ga), m).div(norm);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return x.getNDArrayInternal().linear(x, effectiveWeight(ps, x, training), null).singletonOrThrow();
    }
}
