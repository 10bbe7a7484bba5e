package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/** LayerNorm over the last axis: y = (x - mean) / sqrt(var + eps) * weight + bias (biased variance). */
public final class LayerNormLayer extends NamedBlock {
    private final Parameter weight;
    private final Parameter bias;
    private final Shape normShape;
    private final float eps;

    public LayerNormLayer(long dim, double eps) {
        this.normShape = new Shape(dim);
        this.eps = (float) eps;
        weight = param("weight", normShape, Init.ONES, Parameter.Type.GAMMA);
        bias = param("bias", normShape, Init.ZEROS, Parameter.Type.BETA);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return x.getNDArrayInternal()
                .layerNorm(x, normShape, value(ps, weight, x, training), value(ps, bias, x, training), eps)
                .singletonOrThrow();
    }
}
