package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.spark.SparkSessions;

import java.io.PrintStream;

/**
 * {@code vitssl pretrain} with {@code vitssl.pretrain.cluster.enabled = true}: the training loop's method and
 * optimiser ({@link TrainerStepRunner}) in data-parallel barrier stages ({@link ClusterTraining}).
 */
public final class ClusterPretrain {
    private ClusterPretrain() {}

    public static boolean enabled(Config c) {
        return c.getBoolean(StageSettings.SECTION + ".enabled");
    }

    public static ClusterTraining.Result run(Config c, PrintStream out) {
        StageSettings s = StageSettings.fromConfig(c);
        TrainerStepRunner.optimSettings(c); // range checks before any Spark work
        SparkSession spark = SparkSessions.getOrCreate(c, "pretrain");
        // the schedules' length (iterations per epoch) is known from the table's size; the stage checks it again
        long n = spark.read().parquet(s.images()).count();
        long bpe = n / s.globalBatch();
        TrainerStepRunner.Factory f = new TrainerStepRunner.Factory(VitsslConfig.renderResolved(c), s.seed(),
                s.globalBatch(), Math.max(1, bpe));
        return ClusterTraining.run(spark, s, f, out);
    }
}
