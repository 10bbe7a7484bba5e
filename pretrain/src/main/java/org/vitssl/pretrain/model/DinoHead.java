package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.ArrayList;
import java.util.List;

/**
 * DINO projection head (ALGORITHMS.md 3.1):
 * <pre>
 *   h = MLP(x)      Linear(in, hidden) [BN] GELU Linear(hidden, hidden) [BN] GELU Linear(hidden, bottleneck)
 *                   (nlayers Linear layers; nlayers = 1 is a single Linear(in, bottleneck))
 *   z = h / max(||h||_2, 1e-12)
 *   logits = z W^T,  W_k = g_k v_k / ||v_k||   (weight-normalised, no bias; g frozen at 1 when norm_last_layer)
 * </pre>
 * Names: without BN {@code mlp.0}, {@code mlp.2}, {@code mlp.4} (Linear at even indices, GELU between);
 * with BN Linear at 0, 3, 6 and BatchNorm1d at 1, 4; nlayers = 1: {@code mlp.weight}; then
 * {@code last_layer.weight_g} (K, 1) and {@code last_layer.weight_v} (K, bottleneck). Init: MLP Linears
 * trunc-normal 0.02 with zero bias; weight_v U(-1/sqrt(bottleneck), 1/sqrt(bottleneck)); g = 1.
 * Works on (B, in) and on (B, T, in) (without BN).
 */
public final class DinoHead extends NamedBlock {
    private final List<NamedBlock> mlp = new ArrayList<>();
    private final WeightNormLinear lastLayer;
    private final boolean useBn;

    public DinoHead(long in, long out, boolean useBn, boolean normLastLayer, int nlayers, long hidden, long bottleneck) {
        if (nlayers < 1) throw new IllegalArgumentException("nlayers must be at least 1, got " + nlayers);
        this.useBn = useBn;
        if (nlayers == 1) {
            mlp.add(child("mlp", LinearLayer.timm(in, bottleneck, true)));
        } else {
            int idx = 0;
            long from = in;
            for (int i = 0; i < nlayers - 1; i++) {
                mlp.add(child("mlp." + idx++, LinearLayer.timm(from, hidden, true)));
                if (useBn) mlp.add(child("mlp." + idx++, new BatchNorm1dLayer(hidden)));
                mlp.add(null); // GELU
                idx++;
                from = hidden;
            }
            mlp.add(child("mlp." + idx, LinearLayer.timm(hidden, bottleneck, true)));
        }
        lastLayer = child("last_layer", new WeightNormLinear(bottleneck, out, normLastLayer));
    }

    /** From {@code vitssl.model.dino-head} (pass that sub-config). */
    public static DinoHead fromConfig(long in, Config c) {
        return new DinoHead(in, ConfigChecks.positiveInt(c, "out-dim"), c.getBoolean("use-bn"), c.getBoolean("norm-last-layer"),
                ConfigChecks.intIn(c, "nlayers", 1, 64), ConfigChecks.positiveInt(c, "hidden-dim"),
                ConfigChecks.positiveInt(c, "bottleneck-dim"));
    }

    public WeightNormLinear lastLayer() { return lastLayer; }

    /** The L2-normalised bottleneck features z (before the last layer). */
    public NDArray bottleneck(ParameterStore ps, NDArray x, boolean training) {
        if (useBn && x.getShape().dimension() != 2) throw new IllegalArgumentException("a DINO head with BN takes (B, in) inputs");
        NDArray h = x;
        for (NDBlockStep s : steps()) h = s.apply(ps, h, training);
        return HeadOps.l2Normalize(h, 1e-12f);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return lastLayer.forward(ps, bottleneck(ps, x, training), training);
    }

    private List<NDBlockStep> steps() {
        List<NDBlockStep> l = new ArrayList<>();
        for (NamedBlock b : mlp) {
            if (b == null) l.add((ps, x, t) -> Mlp.gelu(x));
            else l.add(b::forward);
        }
        return l;
    }

    @FunctionalInterface
    interface NDBlockStep {
        NDArray apply(ParameterStore ps, NDArray x, boolean training);
    }
}
