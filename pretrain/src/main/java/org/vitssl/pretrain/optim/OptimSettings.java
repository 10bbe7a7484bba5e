package org.vitssl.pretrain.optim;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.List;

/**
 * Optimiser and schedule settings, read from {@code vitssl.pretrain} (see reference.conf for each key).
 *
 * @param lr base LR before the batch/256 scaling
 * @param minLr final LR of the cosine
 * @param warmupEpochs LR warm-up epochs (linear from 0)
 * @param weightDecay WD at the start of the cosine
 * @param weightDecayEnd WD at the end of the cosine
 * @param beta1 AdamW beta1
 * @param beta2 AdamW beta2
 * @param eps AdamW epsilon
 * @param clipGrad per-parameter gradient clipping threshold; 0 disables
 * @param freezeLastLayerEpochs epochs during which parameters named "*last_layer*" are not updated
 * @param momentumTeacher EMA momentum at the start of its cosine to 1
 * @param teacherTemp final teacher temperature
 * @param warmupTeacherTemp teacher temperature at epoch 0
 * @param warmupTeacherTempEpochs epochs of linear teacher-temperature warm-up
 * @param epochs epochs of the run (the schedules' length)
 * @param warmupStartFactor the LR warm-up starts at this fraction of the scaled LR (DINO 0; DINO Twins 0.1)
 * @param minLrFactor the cosine ends at {@code minLr + minLrFactor * scaled LR} (DINO 0; DINO Twins 0.1)
 * @param decayAll weight-decay every parameter (torch's single group, DINO Twins) instead of DINO's two groups
 */
public record OptimSettings(double lr, double minLr, int warmupEpochs, double weightDecay, double weightDecayEnd,
                            double beta1, double beta2, double eps, double clipGrad, int freezeLastLayerEpochs,
                            double momentumTeacher, double teacherTemp, double warmupTeacherTemp,
                            int warmupTeacherTempEpochs, int epochs, double warmupStartFactor, double minLrFactor,
                            boolean decayAll) {

    /** DINO's schedule shape: warm-up from 0, cosine to {@code minLr}, two weight-decay groups. */
    public OptimSettings(double lr, double minLr, int warmupEpochs, double weightDecay, double weightDecayEnd,
                         double beta1, double beta2, double eps, double clipGrad, int freezeLastLayerEpochs,
                         double momentumTeacher, double teacherTemp, double warmupTeacherTemp,
                         int warmupTeacherTempEpochs, int epochs) {
        this(lr, minLr, warmupEpochs, weightDecay, weightDecayEnd, beta1, beta2, eps, clipGrad, freezeLastLayerEpochs,
                momentumTeacher, teacherTemp, warmupTeacherTemp, warmupTeacherTempEpochs, epochs, 0.0, 0.0, false);
    }

    /**
     * Reads and range-checks {@code <section>.optimizer.*}, {@code <section>.teacher.momentum} and
     * {@code <section>.epochs}; the teacher temperature schedule comes from the loss section {@code tempSection}
     * (keys warmup-teacher-temp, teacher-temp, warmup-teacher-temp-epochs), its single source; null for a method
     * without a teacher (the temperature schedule is then a constant 1, logged but unused).
     */
    public static OptimSettings fromConfig(Config c, String section, String tempSection) {
        String o = section + ".optimizer.";
        String t = section + ".teacher.";
        int epochs = ConfigChecks.positiveInt(c, section + ".epochs");
        List<Double> betas = c.getDoubleList(o + "betas");
        if (betas.size() != 2 || !(betas.get(0) >= 0 && betas.get(0) < 1) || !(betas.get(1) >= 0 && betas.get(1) < 1)) {
            throw ConfigChecks.bad(o + "betas", betas, "must be two numbers in [0, 1)");
        }
        int warm = ConfigChecks.nonNegativeInt(c, o + "warmup-epochs");
        if (warm >= epochs) throw ConfigChecks.bad(o + "warmup-epochs", warm, "must be below " + section + ".epochs = " + epochs);
        String tt = tempSection + ".";
        int ttWarm = tempSection == null ? 0 : ConfigChecks.nonNegativeInt(c, tt + "warmup-teacher-temp-epochs");
        if (ttWarm > epochs) {
            throw ConfigChecks.bad(tt + "warmup-teacher-temp-epochs", ttWarm, "must not exceed " + section + ".epochs = " + epochs);
        }
        return new OptimSettings(
                ConfigChecks.positiveDouble(c, o + "lr"),
                ConfigChecks.doubleIn(c, o + "min-lr", 0, Double.MAX_VALUE),
                warm,
                ConfigChecks.doubleIn(c, o + "weight-decay", 0, Double.MAX_VALUE),
                ConfigChecks.doubleIn(c, o + "weight-decay-end", 0, Double.MAX_VALUE),
                betas.get(0), betas.get(1),
                ConfigChecks.positiveDouble(c, o + "eps"),
                ConfigChecks.doubleIn(c, o + "clip-grad", 0, Double.MAX_VALUE),
                ConfigChecks.nonNegativeInt(c, o + "freeze-last-layer-epochs"),
                ConfigChecks.doubleIn(c, t + "momentum", 0, 1),
                tempSection == null ? 1.0 : ConfigChecks.positiveDouble(c, tt + "teacher-temp"),
                tempSection == null ? 1.0 : ConfigChecks.positiveDouble(c, tt + "warmup-teacher-temp"),
                ttWarm,
                epochs,
                ConfigChecks.doubleIn(c, o + "warmup-start-factor", 0, 1),
                ConfigChecks.doubleIn(c, o + "min-lr-factor", 0, 1),
                c.getBoolean(o + "decay-bias-and-norm"));
    }
}
