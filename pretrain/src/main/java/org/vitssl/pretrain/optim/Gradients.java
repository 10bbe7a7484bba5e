package org.vitssl.pretrain.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Map;

/** Gradient housekeeping: libtorch accumulates into .grad, so every step starts from zero. */
public final class Gradients {
    private Gradients() {}

    /** Zeroes the gradient of every parameter that has one (torch's zero_grad), in place, without allocating. */
    public static void zero(Map<String, Parameter> params) {
        for (Parameter p : params.values()) {
            NDArray a = p.getArray();
            if (a instanceof PtNDArray && a.hasGradient()) JniUtils.zeroGrad((PtNDArray) a);
        }
    }
}
