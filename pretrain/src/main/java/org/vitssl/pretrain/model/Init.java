package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * The weight initialisations of the reference code (ALGORITHMS.md 2.1, 3.1). Random draws come from
 * the engine's generator, so {@code Engine.getInstance().setRandomSeed(seed)} makes them repeatable.
 */
public final class Init {
    private Init() {}

    /**
     * timm's {@code trunc_normal_(std)}: N(0, std^2) truncated to the absolute bounds [-2, 2]. With
     * std = 0.02 the bounds are 100 sigma away, so clipping (instead of redrawing) changes nothing.
     */
    public static Initializer truncNormal(double std) {
        return (NDManager m, Shape s, DataType t) -> m.randomNormal(0f, (float) std, s, t).clip(-2f, 2f);
    }

    /** U(-bound, bound). */
    public static Initializer uniform(double bound) {
        return (NDManager m, Shape s, DataType t) -> m.randomUniform((float) -bound, (float) bound, s, t);
    }

    /**
     * PyTorch's default for Linear/Conv weights and biases: Kaiming-uniform with a = sqrt(5), which is
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound.
     */
    public static Initializer torchDefault(long fanIn) {
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    public static Initializer constant(float v) {
        return (NDManager m, Shape s, DataType t) -> m.full(s, v, t);
    }

    public static final Initializer ZEROS = constant(0f);
    public static final Initializer ONES = constant(1f);
}
