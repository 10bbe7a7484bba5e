package org.vitssl.pretrain.loss;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.Locale;
import java.util.Set;

/**
 * Builds the losses from {@code vitssl.loss} (documented in the module's reference.conf). Every value
 * is range-checked with {@link ConfigChecks}, whose errors name the full key path. The argument is
 * the whole loaded configuration (as {@code VitsslConfig.load} returns it).
 */
public final class LossConfigs {
    public static final String ROOT = "vitssl.loss";
    private static final double MAX_TEMP = 10.0;

    private LossConfigs() {}

    private static double temp(Config c, String path) {
        double v = ConfigChecks.positiveDouble(c, path);
        if (v > MAX_TEMP) throw ConfigChecks.bad(path, v, "a temperature must be in (0, " + MAX_TEMP + "]");
        return v;
    }

    public static DinoLoss dino(Config c, int outDim) {
        String p = ROOT + ".dino.";
        return new DinoLoss(outDim, temp(c, p + "student-temp"),
                new TeacherTempSchedule(temp(c, p + "warmup-teacher-temp"), temp(c, p + "teacher-temp"),
                        ConfigChecks.nonNegativeInt(c, p + "warmup-teacher-temp-epochs")),
                ConfigChecks.probability(c, p + "center-momentum"));
    }

    /** The epoch where masked-patch prediction starts (also the start of masking). */
    public static int predStartEpoch(Config c) {
        return ConfigChecks.nonNegativeInt(c, ROOT + ".ibot.pred-start-epoch");
    }

    public static IbotLoss ibot(Config c, int outDim, int patchOutDim) {
        String p = ROOT + ".ibot.";
        int warmEpochs = ConfigChecks.nonNegativeInt(c, p + "warmup-teacher-temp-epochs");
        return new IbotLoss(outDim, patchOutDim, temp(c, p + "student-temp"),
                new TeacherTempSchedule(temp(c, p + "warmup-teacher-temp"), temp(c, p + "teacher-temp"), warmEpochs),
                new TeacherTempSchedule(temp(c, p + "warmup-teacher-patch-temp"), temp(c, p + "teacher-patch-temp"),
                        warmEpochs, predStartEpoch(c)),
                ConfigChecks.probability(c, p + "center-momentum"),
                ConfigChecks.probability(c, p + "center-momentum2"),
                ConfigChecks.doubleIn(c, p + "lambda1", 0, 1e6),
                ConfigChecks.doubleIn(c, p + "lambda2", 0, 1e6));
    }

    public static BarlowTwinsLoss barlowTwins(Config c) {
        String p = ROOT + ".barlow-twins.";
        return new BarlowTwinsLoss(ConfigChecks.doubleIn(c, p + "lambda", 0, 1e6), ConfigChecks.doubleIn(c, p + "bn-eps", 0, 1));
    }

    public static DinoTwinsLoss dinoTwins(Config c, int outDim) {
        String p = ROOT + ".dino-twins.";
        DinoLoss dino = new DinoLoss(outDim, temp(c, p + "student-temp"),
                new TeacherTempSchedule(temp(c, p + "warmup-teacher-temp"), temp(c, p + "teacher-temp"),
                        ConfigChecks.nonNegativeInt(c, p + "warmup-teacher-temp-epochs")),
                ConfigChecks.probability(c, p + "center-momentum"));
        return new DinoTwinsLoss(dino, ConfigChecks.doubleIn(c, p + "bt-lambda", 0, 1e6),
                ConfigChecks.doubleIn(c, p + "bt-beta", 0, 1e6));
    }

    public static boolean reppasContrastiveEnabled(Config c) {
        return c.getBoolean(ROOT + ".reppas-contrastive.enabled");
    }

    public static ReppasContrastiveLoss reppasContrastive(Config c) {
        String p = ROOT + ".reppas-contrastive.";
        String source = c.getString(p + "source").toLowerCase(Locale.ROOT).replace('_', '-');  // teacher_detached: older spelling
        Set<String> sources = Set.of("student", "teacher-detached");
        if (!sources.contains(source)) throw ConfigChecks.bad(p + "source", source, "must be one of " + sources);
        return new ReppasContrastiveLoss(ConfigChecks.doubleIn(c, p + "lambda3", 0, 1e6), temp(c, p + "temperature"),
                ConfigChecks.intIn(c, p + "k-anchors", 1, 1 << 20), ReppasContrastiveLoss.Source.parse(source));
    }
}
