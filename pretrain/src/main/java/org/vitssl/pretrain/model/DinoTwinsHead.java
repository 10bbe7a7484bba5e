package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

/**
 * The DINO branch head of DINO Twins (ALGORITHMS.md 3.4), without weight norm:
 * <pre>
 *   h = GELU(Linear(hidden, bottleneck)(GELU(Linear(hidden, hidden)(GELU(Linear(in, hidden)(x))))))
 *   z = h / max(||h||_2, 1e-6)
 *   logits = z W^T           Linear(bottleneck, K, no bias)
 * </pre>
 * Note the GELU before the normalisation. Names {@code mlp.0}, {@code mlp.2}, {@code mlp.4},
 * {@code last_layer.weight} (names chosen to mirror the DINO head; the reference module's own names
 * were not checked). PyTorch default init. The teacher is an EMA copy of the same block.
 */
public final class DinoTwinsHead extends NamedBlock {
    private final LinearLayer l0;
    private final LinearLayer l2;
    private final LinearLayer l4;
    private final LinearLayer last;

    public DinoTwinsHead(long in, long out, long hidden, long bottleneck) {
        l0 = child("mlp.0", LinearLayer.torchDefault(in, hidden, true));
        l2 = child("mlp.2", LinearLayer.torchDefault(hidden, hidden, true));
        l4 = child("mlp.4", LinearLayer.torchDefault(hidden, bottleneck, true));
        last = child("last_layer", LinearLayer.torchDefault(bottleneck, out, false));
    }

    /** From {@code vitssl.model.dino-twins}. */
    public static DinoTwinsHead fromConfig(long in, Config c) {
        return new DinoTwinsHead(in, ConfigChecks.positiveInt(c, "out-dim"), ConfigChecks.positiveInt(c, "hidden-dim"),
                ConfigChecks.positiveInt(c, "bottleneck-dim"));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = Mlp.gelu(l0.forward(ps, x, training));
        h = Mlp.gelu(l2.forward(ps, h, training));
        h = Mlp.gelu(l4.forward(ps, h, training));
        return last.forward(ps, HeadOps.l2Normalize(h, 1e-6f), training);
    }
}
