package org.vitssl.pretrain.attention;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.model.AttentionRollout;
import org.vitssl.pretrain.model.ViTConfig;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/** The validated {@code vitssl.attention} section (plus the model it needs from {@code vitssl.model}). */
public final class AttentionSettings implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String P = "vitssl.attention.";

    final String checkpoint;
    final String prefix;
    final String images;
    final String output;
    final boolean overwrite;
    final double maskRatio;
    final AttentionRollout.Order rolloutOrder;
    final int batchSize;
    final int resize;
    final int crop;
    final double[] mean;
    final double[] std;
    final boolean overlays;
    final int overlaysPerPartition;
    final double overlayAlpha;
    final int partitions;
    // The ViT architecture (ViTConfig is a record and not Serializable: its numbers travel instead).
    final int dim, depth, heads, patch, imgSize;
    final double mlpRatio, eps, layerScaleInit;
    final boolean qkvBias;

    AttentionSettings(Config c) {
        checkpoint = ConfigChecks.nonEmptyString(c, P + "checkpoint");
        prefix = c.getString(P + "prefix");
        images = ConfigChecks.nonEmptyString(c, P + "images");
        output = ConfigChecks.nonEmptyString(c, P + "output");
        overwrite = c.getBoolean(P + "overwrite");
        maskRatio = ConfigChecks.probability(c, P + "mask-ratio");
        String ord = ConfigChecks.oneOf(c, P + "rollout-order", Set.of("first-left", "last-left"));
        rolloutOrder = ord.equals("first-left") ? AttentionRollout.Order.FIRST_LEFT : AttentionRollout.Order.LAST_LEFT;
        batchSize = ConfigChecks.intIn(c, P + "batch-size", 1, 65536);
        ViTConfig v = ViTConfig.fromConfig(c);
        dim = v.dim();
        depth = v.depth();
        heads = v.heads();
        patch = v.patch();
        imgSize = v.imgSize();
        mlpRatio = v.mlpRatio();
        eps = v.layerNormEps();
        qkvBias = v.qkvBias();
        layerScaleInit = v.layerScaleInit();
        int cr = ConfigChecks.nonNegativeInt(c, P + "crop");
        crop = cr == 0 ? v.imgSize() : cr;
        if (crop % patch != 0) throw ConfigChecks.bad(P + "crop", crop, "must be a multiple of the patch size " + patch);
        int rs = ConfigChecks.nonNegativeInt(c, P + "resize");
        resize = rs == 0 ? (int) Math.round(crop / 0.875) : rs;
        if (resize < crop) throw ConfigChecks.bad(P + "resize", resize, "must be at least the crop " + crop);
        mean = triple(c, P + "mean");
        std = triple(c, P + "std");
        for (double s : std) if (!(s > 0)) throw ConfigChecks.bad(P + "std", c.getDoubleList(P + "std"), "must be positive");
        overlays = c.getBoolean(P + "overlays.enabled");
        overlaysPerPartition = ConfigChecks.nonNegativeInt(c, P + "overlays.max-per-partition");
        overlayAlpha = ConfigChecks.probability(c, P + "overlays.alpha");
        partitions = ConfigChecks.nonNegativeInt(c, P + "partitions");
    }

    ViTConfig vit() {
        return new ViTConfig(dim, depth, heads, patch, imgSize, mlpRatio, qkvBias, 0.0, layerScaleInit, false, eps);
    }

    private static double[] triple(Config c, String path) {
        List<Double> l = c.getDoubleList(path);
        if (l.size() != 3) throw ConfigChecks.bad(path, l, "must list 3 values (R, G, B)");
        double[] f = new double[3];
        for (int i = 0; i < 3; i++) f[i] = l.get(i);
        return f;
    }
}
