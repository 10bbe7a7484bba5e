package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import org.vitssl.augment.MultiCropSettings;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;

/**
 * What the barrier stage needs, shipped to every task.
 *
 * @param images Parquet images table (ingest output: image_id, label, bytes, ...)
 * @param runDir run output: checkpoints/ (local path, hdfs://, s3a://)
 * @param seed run seed (data order, augmentation)
 * @param epochs epochs of the run
 * @param batchPerTask images per task per step B ({@code vitssl.pretrain.batch-size} / N)
 * @param tasks barrier tasks N ({@code vitssl.pretrain.devices})
 * @param maxSteps stop after this many steps in total (&lt; 0: run all epochs)
 * @param checkpointEverySteps also checkpoint every this many steps (0: epoch ends only; epoch ends always)
 * @param keep complete checkpoints kept
 * @param progressEverySteps progress line period (rank 0)
 * @param loaderWorkers decode/augment threads per task
 * @param queueDepth slices built ahead per task
 * @param executorGpus GPUs per executor; 0 = no ResourceProfile, CPU
 * @param taskGpus GPUs per task in the ResourceProfile
 * @param taskCpus CPU cores per task in the ResourceProfile (0: spark.task.cpus)
 * @param allReduce ring settings
 * @param augment multi-crop settings
 * @param configText the resolved configuration, stored with every checkpoint
 */
public record StageSettings(String images, String runDir, long seed, int epochs, int batchPerTask, int tasks,
                            long maxSteps, int checkpointEverySteps, int keep, int progressEverySteps,
                            int loaderWorkers, int queueDepth, int executorGpus, double taskGpus, int taskCpus,
                            AllReduceSettings allReduce, MultiCropSettings augment, String configText)
        implements Serializable {
    public static final String SECTION = "vitssl.pretrain.cluster";

    /** Images of one global batch. */
    public int globalBatch() { return batchPerTask * tasks; }

    /**
     * From the resolved configuration: {@code vitssl.pretrain.cluster} (this package) and the training loop's
     * {@code vitssl.pretrain} keys (images, run-dir, seed, epochs, batch-size, devices, checkpoint.*, progress.*) and the
     * augment loader's threads ({@code vitssl.augment.loader.*}).
     */
    public static StageSettings fromConfig(Config c) {
        String s = SECTION + ".", p = "vitssl.pretrain.";
        // the loop's keys: batch-size is the global batch, shared by `devices` replicas (one per task here)
        int tasks = ConfigChecks.positiveInt(c, p + "devices");
        int global = ConfigChecks.positiveInt(c, p + "batch-size");
        if (global % tasks != 0) {
            throw ConfigChecks.bad(p + "batch-size", global, "is not divisible among " + tasks + " tasks (" + p + "devices)");
        }
        int execGpus = ConfigChecks.nonNegativeInt(c, s + "executor-gpus");
        double taskGpus = ConfigChecks.doubleIn(c, s + "task-gpus", 0.0, 64.0);
        if (execGpus > 0 && !(taskGpus > 0)) {
            throw ConfigChecks.bad(s + "task-gpus", taskGpus, "must be positive when " + s + "executor-gpus is " + execGpus);
        }
        if (execGpus > 0 && taskGpus > execGpus) {
            throw ConfigChecks.bad(s + "task-gpus", taskGpus, "exceeds " + s + "executor-gpus = " + execGpus);
        }
        return new StageSettings(ConfigChecks.nonEmptyString(c, p + "images"), ConfigChecks.nonEmptyString(c, p + "run-dir"),
                c.getLong(p + "seed"), ConfigChecks.positiveInt(c, p + "epochs"), global / tasks,
                tasks, -1, ConfigChecks.nonNegativeInt(c, p + "checkpoint.every-steps"),
                ConfigChecks.positiveInt(c, p + "checkpoint.keep"), ConfigChecks.positiveInt(c, p + "progress.every-steps"),
                ConfigChecks.positiveInt(c, "vitssl.augment.loader.workers"),
                ConfigChecks.positiveInt(c, "vitssl.augment.loader.queue-depth"),
                execGpus, taskGpus, ConfigChecks.nonNegativeInt(c, s + "task-cpus"),
                AllReduceSettings.fromConfig(c), MultiCropSettings.fromConfig(c),
                c.root().render(com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true)));
    }

    public StageSettings withMaxSteps(long n) {
        return new StageSettings(images, runDir, seed, epochs, batchPerTask, tasks, n, checkpointEverySteps, keep,
                progressEverySteps, loaderWorkers, queueDepth, executorGpus, taskGpus, taskCpus, allReduce, augment, configText);
    }
}
