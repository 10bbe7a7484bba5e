package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic between an NDArray and a Java number whose scalar operand lives in libtorch's memory, for code
 * that autograd records. DJL's {@code mul(Number)}, {@code div(Number)}, {@code maximum(Number)} and
 * {@code pow(Number)} make the scalar with {@code manager.create(n)} (a tensor over a 4-byte direct buffer that
 * only the Java wrapper keeps alive) and close it right after the operation; autograd has saved that tensor for
 * the backward pass (d(x*s)/dx = s, d(x/s)/dx = 1/s, the mask of max), so when a garbage collection runs between
 * the forward and the backward pass, the backward reads freed memory: finite losses with NaN or huge gradients,
 * more often the more the other threads of the process allocate (the augment loader's workers). Here the scalar
 * is made by libtorch ({@code full}), and closing its wrapper leaves the saved tensor's storage alive. Same
 * float32 scalar, so the same results bit for bit.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code x * v}. */
    public static NDArray mul(NDArray x, float v) {
        try (NDArray s = scalar(x, v)) {
            return x.mul(s);
        }
    }

    /** {@code x / v}. */
    public static NDArray div(NDArray x, float v) {
        try (NDArray s = scalar(x, v)) {
            return x.div(s);
        }
    }

    /** {@code max(x, v)} element-wise. */
    public static NDArray maximum(NDArray x, float v) {
        try (NDArray s = scalar(x, v)) {
            return x.maximum(s);
        }
    }

    /** A float32 scalar tensor allocated by libtorch in the manager and on the device of {@code like}. */
    static NDArray scalar(NDArray like, float v) {
        return like.getManager().full(new Shape(), v);
    }
}
