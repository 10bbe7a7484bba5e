package org.vitssl.embed;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.util.Set;

/** The validated {@code vitssl.embed} section (plus the evaluation transform of {@code vitssl.augment.eval}). */
public record EmbedSettings(String checkpoint, String backbone, String images, String output, boolean overwrite,
                            FeatureKind feature, int nLastBlocks, int batchSize, int partitions, String device,
                            long maxPixels, int numHeads, int evalResize, int evalCrop, boolean evalIdentityAtSize,
                            boolean evalMatchCheckpoint, double[] mean, double[] std) implements Serializable {
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
                ConfigChecks.positiveInt(c, "vitssl.augment.eval.resize"),
                ConfigChecks.positiveInt(c, "vitssl.augment.eval.crop"),
                c.getBoolean("vitssl.augment.eval.identity-at-size"),
                c.getBoolean("vitssl.augment.eval.match-checkpoint"),
                toArray(c, "vitssl.augment.normalize.mean"),
                toArray(c, "vitssl.augment.normalize.std"));
    }

    /**
     * The evaluation transform for a backbone trained at {@code imgSize}: with {@code match-checkpoint}, a crop
     * that differs from it becomes {@code imgSize} and the resize keeps its configured ratio to the crop (DINO's
     * 256/224 is 8/7: 32/28 for a 28-pixel model), so a small model is not run on 224-pixel inputs (1024 tokens
     * per image at patch 7). Unchanged otherwise.
     */
    public EmbedSettings forImageSize(int imgSize) {
        if (!evalMatchCheckpoint || imgSize == evalCrop) return this;
        int resize = org.vitssl.augment.transform.EvalTransform.resizeForCrop(evalResize, evalCrop, imgSize);
        return new EmbedSettings(checkpoint, backbone, images, output, overwrite, feature, nLastBlocks, batchSize,
                partitions, device, maxPixels, numHeads, resize, imgSize, evalIdentityAtSize, true, mean, std);
    }

    /** The evaluation transform these settings describe. */
    public org.vitssl.augment.transform.EvalTransform evalTransform() {
        return new org.vitssl.augment.transform.EvalTransform(evalResize, evalCrop, evalIdentityAtSize, mean, std);
    }

    private static double[] toArray(Config c, String path) {
        double[] a = c.getDoubleList(path).stream().mapToDouble(Double::doubleValue).toArray();
        if (a.length != 3) throw ConfigChecks.bad(path, c.getValue(path).render(), "must list 3 channel values");
        return a;
    }
}
