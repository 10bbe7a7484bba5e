package org.vitssl.common.spark;

import com.typesafe.config.Config;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.vitssl.common.config.VitsslConfig;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SparkSessionsTest {
    @Test
    void executorEnvironmentDefaultsFillOnlyWhatSparkSubmitLeftUnset() {
        Config config = VitsslConfig.load(null, List.of("spark.executor-env.EXTRA_VAR=\"on\""));
        SparkConf conf = new SparkConf(false).set("spark.executorEnv.MALLOC_ARENA_MAX", "4");
        SparkSessions.applyExecutorEnv(conf, config);
        assertEquals("4", conf.get("spark.executorEnv.MALLOC_ARENA_MAX"), "spark-submit's value wins");
        assertEquals("true", conf.get("spark.executorEnv.OPT_OUT_TRACKING"));
        assertEquals("on", conf.get("spark.executorEnv.EXTRA_VAR"), "user entries are free-form");

        SparkConf bare = new SparkConf(false);
        SparkSessions.applyExecutorEnv(bare, VitsslConfig.load(null, List.of()));
        assertEquals("2", bare.get("spark.executorEnv.MALLOC_ARENA_MAX"));
    }
}
