package org.vitssl.pretrain.optim;

import ai.djl.ndarray.types.Shape;

/**
 * DINO's {@code get_params_groups}: a parameter is regularised (weight-decayed) unless its name ends in
 * {@code .bias} or it is 1-D. So cls_token (1,1,D), pos_embed (1,N+1,D), masked_embed (1,D) and the
 * weight-norm g (K,1) <em>are</em> decayed (the spec's quirk, kept on purpose).
 */
public final class ParamGroups {
    private ParamGroups() {}

    public static boolean decayed(String name, Shape shape) {
        return !(name.endsWith(".bias") || shape.dimension() == 1);
    }

    /** DINO's freeze_last_layer rule: "last_layer" anywhere in the name (also iBOT's last_layer2). */
    public static boolean isLastLayer(String name) {
        return name.contains("last_layer");
    }
}
