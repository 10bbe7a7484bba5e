package org.vitssl.common.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/**
 * Creates (or joins) the job's SparkSession. Under spark-submit the master and cluster settings come
 * from spark-submit and are left alone; under {@code bin/vitssl} the master is {@code vitssl.spark.master}
 * (default {@code local[*]}). Entries of {@code vitssl.spark.conf} are passed through as Spark settings
 * ({@code spark.hadoop.fs.s3a.endpoint = ...} configures S3A, for example). Entries of
 * {@code vitssl.spark.executor-env} become executor environment variables ({@code spark.executorEnv.NAME}) where
 * neither spark-submit nor {@code vitssl.spark.conf} set them.
 */
public final class SparkSessions {
    private SparkSessions() {}

    public static SparkSession getOrCreate(Config config, String jobName) {
        SparkConf conf = new SparkConf(true);
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.getString("vitssl.spark.master"));
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName("vitssl " + jobName);
        }
        if (config.hasPath("vitssl.spark.conf")) {
            for (Map.Entry<String, ConfigValue> e : config.getConfig("vitssl.spark.conf").entrySet()) {
                String key = e.getKey().replace("\"", "");
                conf.set(key, String.valueOf(e.getValue().unwrapped()));
            }
        }
        applyExecutorEnv(conf, config);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** Sets {@code spark.executorEnv.NAME} from {@code vitssl.spark.executor-env} where {@code conf} lacks it. */
    public static void applyExecutorEnv(SparkConf conf, Config config) {
        if (!config.hasPath("vitssl.spark.executor-env")) return;
        for (Map.Entry<String, ConfigValue> e : config.getConfig("vitssl.spark.executor-env").entrySet()) {
            String name = e.getKey().replace("\"", "");
            conf.setIfMissing("spark.executorEnv." + name, String.valueOf(e.getValue().unwrapped()));
        }
    }
}
