package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/** y = x W^T + b, with W (out, in) named {@code weight} and b (out) named {@code bias} (PyTorch layout). */
public final class LinearLayer extends NamedBlock {
    private final Parameter weight;
    private final Parameter bias;
    private final long in;
    private final long out;

    public LinearLayer(long in, long out, boolean withBias, Initializer weightInit, Initializer biasInit) {
        this.in = in;
        this.out = out;
        weight = param("weight", new Shape(out, in), weightInit, Parameter.Type.WEIGHT);
        bias = withBias ? param("bias", new Shape(out), biasInit, Parameter.Type.BIAS) : null;
    }

    /** timm/DINO init: weight trunc-normal std 0.02, bias 0. */
    public static LinearLayer timm(long in, long out, boolean withBias) {
        return new LinearLayer(in, out, withBias, Init.truncNormal(0.02), Init.ZEROS);
    }

    /** PyTorch's default init: weight and bias U(-1/sqrt(in), 1/sqrt(in)). */
    public static LinearLayer torchDefault(long in, long out, boolean withBias) {
        return new LinearLayer(in, out, withBias, Init.torchDefault(in), Init.torchDefault(in));
    }

    public long inFeatures() { return in; }

    public long outFeatures() { return out; }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = value(ps, weight, x, training);
        NDArray b = bias == null ? null : value(ps, bias, x, training);
        return x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
    }
}
