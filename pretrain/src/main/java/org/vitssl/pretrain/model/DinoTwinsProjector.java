package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

/**
 * The Barlow branch projector of DINO Twins (ALGORITHMS.md 3.4), student only, no BatchNorm:
 * <pre>
 *   out = Linear(hidden, K, no bias)(GELU(Linear(hidden, hidden)(GELU(Linear(in, hidden)(x)))))
 * </pre>
 * Names {@code 0.*}, {@code 2.*}, {@code 4.weight} (nn.Sequential indices). PyTorch default init.
 */
public final class DinoTwinsProjector extends NamedBlock {
    private final LinearLayer l0;
    private final LinearLayer l2;
    private final LinearLayer l4;

    public DinoTwinsProjector(long in, long hidden, long out) {
        l0 = child("0", LinearLayer.torchDefault(in, hidden, true));
        l2 = child("2", LinearLayer.torchDefault(hidden, hidden, true));
        l4 = child("4", LinearLayer.torchDefault(hidden, out, false));
    }

    /** From {@code vitssl.model.dino-twins}. */
    public static DinoTwinsProjector fromConfig(long in, Config c) {
        return new DinoTwinsProjector(in, ConfigChecks.positiveInt(c, "hidden-dim"), ConfigChecks.positiveInt(c, "projector-dim"));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return l4.forward(ps, Mlp.gelu(l2.forward(ps, Mlp.gelu(l0.forward(ps, x, training)), training)), training);
    }
}
