package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Conv2d(3 -> D, kernel P, stride P) with bias (checkpoint names {@code proj.weight} (D, 3, P, P),
 * {@code proj.bias} (D)), returning the patch grid (B, D, H/P, W/P). Init: PyTorch's Conv2d default
 * (Kaiming-uniform a = sqrt(5), i.e. U(-1/sqrt(3 P^2), 1/sqrt(3 P^2)) for weight and bias).
 */
public final class PatchEmbed extends NamedBlock {
    private final Proj proj;
    private final int patch;

    public PatchEmbed(int inChans, long dim, int patch) {
        this.patch = patch;
        this.proj = child("proj", new Proj(inChans, dim, patch));
    }

    public int patchSize() { return patch; }

    /** (B, C, H, W) -> (B, D, H/P, W/P); H and W must be multiples of P. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray images, boolean training) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(2) % patch != 0 || s.get(3) % patch != 0) {
            throw new IllegalArgumentException("images must be (B, C, H, W) with H and W multiples of the patch size "
                    + patch + ", got " + s);
        }
        return proj.forward(ps, images, training);
    }

    /** The convolution itself (its own block so that its parameters are named proj.weight / proj.bias). */
    static final class Proj extends NamedBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final Shape stride;

        Proj(int inChans, long dim, int patch) {
            long fanIn = (long) inChans * patch * patch;
            weight = param("weight", new Shape(dim, inChans, patch, patch), Init.torchDefault(fanIn), Parameter.Type.WEIGHT);
            bias = param("bias", new Shape(dim), Init.torchDefault(fanIn), Parameter.Type.BIAS);
            stride = new Shape(patch, patch);
        }

        @Override
        public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
            return x.getNDArrayInternal().convolution(x, value(ps, weight, x, training), value(ps, bias, x, training),
                    stride, new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        }
    }
}
