package org.vitssl.pretrain.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.Map;

/**
 * DINO's {@code clip_gradients}: each parameter on its own (not a global norm):
 * if {@code ||g||_2 > clip} then {@code g <- g * clip / (||g|| + 1e-6)}.
 * Computed as {@code g *= min(clip / (||g|| + 1e-6), 1)} in float32 without a host round trip; a factor of
 * exactly 1 leaves the gradient unchanged, as the reference's branch does.
 */
public final class GradientClipping {
    private GradientClipping() {}

    public static void clipPerParameter(Map<String, Parameter> params, double clip) {
        if (clip <= 0) return;
        for (Parameter p : params.values()) {
            NDArray w = p.getArray();
            if (!w.hasGradient()) continue;
            try (NDArray g = w.getGradient();
                 NDArray norm = g.norm();
                 NDArray denom = norm.add(1e-6f);
                 NDArray c = g.getManager().create((float) clip);
                 NDArray coef = c.div(denom);
                 NDArray factor = coef.minimum(1f)) {
                g.muli(factor);
            }
        }
    }
}
