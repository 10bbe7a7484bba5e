package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.optim.OptimSettings;

/**
 * The one place where {@code vitssl.pretrain.method} picks the training task and the loss section that holds its
 * teacher-temperature schedule (used by the local job, the Spark stage and the benchmarks).
 */
public final class TrainingTasks {
    private TrainingTasks() {}

    /** The task of the configured method; parameters initialised from {@code seed}. */
    public static TrainingTask<MultiCropBatch> create(Config c, NDManager base, long seed) {
        switch (PretrainChecks.method(c)) {
            case "barlow-twins":
                return new BarlowTwinsTask(c, base, seed);
            case "dino-twins":
                return new DinoTwinsTask(c, base, seed);
            default:
                return new VitSslTask(c, base, seed);
        }
    }

    /** The loss section with the method's teacher temperatures ({@code warmup-teacher-temp} ...); null without a teacher. */
    public static String teacherTempSection(String method) {
        switch (method) {
            case "dino":
                return "vitssl.loss.dino";
            case "dino-twins":
                return "vitssl.loss.dino-twins";
            case "barlow-twins":
                return null;
            default:
                return "vitssl.loss.ibot";
        }
    }

    /** The loop's optimiser and schedule settings ({@code vitssl.pretrain.optimizer.*}, the method's temperatures). */
    public static OptimSettings optim(Config c) {
        return OptimSettings.fromConfig(c, TrainerSettings.SECTION, teacherTempSection(PretrainChecks.method(c)));
    }
}
