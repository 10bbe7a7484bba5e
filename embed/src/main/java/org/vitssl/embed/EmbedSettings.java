package org.vitssl.embed;

import com.typesafe.config.Config;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.util.Set;

/**
 * The validated {@code vitssl.embed} section plus the evaluation transform of {@code vitssl.augment.eval} and
 * {@code vitssl.augment.normalize}. Only those keys of the augment section are read and checked (not the training
 * crops, as {@link EvalTransform#fromConfig} would): embedding must not fail on a training setting it never uses.
 */
public record EmbedSettings(String checkpoint, String backbone, String images, String output, boolean overwrite,
                            FeatureKind feature, int nLastBlocks, int batchSize, int partitions, String device,
                            long maxPixels, int numHeads, EvalTransform evalTransform,
                            boolean evalMatchCheckpoint) implements Serializable {
    static final String S = "vitssl.embed.";

    public static EmbedSettings fromConfig(Config c) {
        String feature = ConfigChecks.oneOf(c, S + "feature", Set.of("cls", "mean-patch", "cls-mean", "last-blocks-cls"));
        return new EmbedSettings(
                ConfigChecks.nonEmptyString(c, S + "checkpoint"),
                ConfigChecks.oneOf(c, S + "backbone", Set.of("teacher", "student")),
                ConfigChecks.nonEmptyString(c, S + "images"),
                ConfigChecks.nonEmptyString(c, S + "output"),
                c.getBoolean(S + "overwrite"),
                FeatureKind.of(feature),
                ConfigChecks.intIn(c, S + "n-last-blocks", 1, 64),
                ConfigChecks.intIn(c, S + "batch-size", 1, 65536),
                ConfigChecks.nonNegativeInt(c, S + "partitions"),
                ConfigChecks.oneOf(c, S + "device", Set.of("auto", "cpu")),
                ConfigChecks.positiveLong(c, S + "max-pixels"),
                ConfigChecks.nonNegativeInt(c, S + "num-heads"),
                new EvalTransform(
                        ConfigChecks.positiveInt(c, "vitssl.augment.eval.resize"),
                        ConfigChecks.positiveInt(c, "vitssl.augment.eval.crop"),
                        c.getBoolean("vitssl.augment.eval.identity-at-size"),
                        toArray(c, "vitssl.augment.normalize.mean"),
                        toArray(c, "vitssl.augment.normalize.std")),
                c.getBoolean("vitssl.augment.eval.match-checkpoint"));
    }

    /**
     * These settings for a backbone trained at {@code imgSize}: with {@code match-checkpoint}, the evaluation
     * transform at that crop ({@link EvalTransform#atCrop}: DINO's 256/224 becomes 32/28 for a 28-pixel model),
     * so a small model is not run on 224-pixel inputs (1024 tokens per image at patch 7); this object otherwise.
     */
    public EmbedSettings forImageSize(int imgSize) {
        EvalTransform eval = evalMatchCheckpoint ? evalTransform.atCrop(imgSize) : evalTransform;
        if (eval == evalTransform) return this;
        return new EmbedSettings(checkpoint, backbone, images, output, overwrite, feature, nLastBlocks, batchSize,
                partitions, device, maxPixels, numHeads, eval, true);
    }

    private static double[] toArray(Config c, String path) {
        double[] a = c.getDoubleList(path).stream().mapToDouble(Double::doubleValue).toArray();
        if (a.length != 3) throw ConfigChecks.bad(path, c.getValue(path).render(), "must list 3 channel values");
        return a;
    }
}
