package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

/**
 * Loop settings from {@code vitssl.pretrain} (reference.conf documents each key).
 *
 * @param runDir output directory (checkpoints/, metrics.jsonl)
 * @param seed run seed
 * @param batchSize images per step over all devices
 * @param devices data-parallel replicas
 * @param checkpointEverySteps 0: epoch ends only
 * @param checkpointAtEpochEnd write at every epoch end
 * @param keep checkpoints kept
 * @param resume resume from the newest complete checkpoint
 * @param progressEverySteps progress line / metrics record period
 * @param collapseEverySteps collapse monitor period (0 off)
 * @param checkpointAtStart write the initial state (step 0) of a fresh run, e.g. for a random-init baseline
 */
public record TrainerSettings(String runDir, long seed, int batchSize, int devices, int checkpointEverySteps,
                              boolean checkpointAtEpochEnd, int keep, boolean resume, int progressEverySteps,
                              int collapseEverySteps, boolean checkpointAtStart) {
    public static final String SECTION = "vitssl.pretrain";

    /** Settings without a step-0 checkpoint. */
    public TrainerSettings(String runDir, long seed, int batchSize, int devices, int checkpointEverySteps,
                           boolean checkpointAtEpochEnd, int keep, boolean resume, int progressEverySteps,
                           int collapseEverySteps) {
        this(runDir, seed, batchSize, devices, checkpointEverySteps, checkpointAtEpochEnd, keep, resume,
                progressEverySteps, collapseEverySteps, false);
    }

    public int totalBatch() { return batchSize; }

    public int perDeviceBatch() { return batchSize / devices; }

    public static TrainerSettings fromConfig(Config c) {
        String s = SECTION + ".";
        int batch = ConfigChecks.positiveInt(c, s + "batch-size");
        int devices = ConfigChecks.positiveInt(c, s + "devices");
        if (batch % devices != 0) {
            throw ConfigChecks.bad(s + "batch-size", batch, "is not divisible among " + devices + " devices ("
                    + s + "devices = " + devices + "); choose a multiple of " + devices);
        }
        return new TrainerSettings(ConfigChecks.nonEmptyString(c, s + "run-dir"), c.getLong(s + "seed"), batch, devices,
                ConfigChecks.nonNegativeInt(c, s + "checkpoint.every-steps"), c.getBoolean(s + "checkpoint.at-epoch-end"),
                ConfigChecks.positiveInt(c, s + "checkpoint.keep"), c.getBoolean(s + "checkpoint.resume"),
                ConfigChecks.positiveInt(c, s + "progress.every-steps"),
                ConfigChecks.nonNegativeInt(c, s + "progress.collapse-every-steps"), c.getBoolean(s + "checkpoint.at-start"));
    }
}
