package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.train.PretrainJob;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster recipes load and validate; bad cluster keys are refused with their path named. */
class ClusterConfigTest {
    @ParameterizedTest
    @ValueSource(strings = {"cluster-dino-vits16-imagenet", "cluster-attmask-20pct"})
    void clusterRecipesAreValid(String name) {
        File f = new File("../conf/" + name + ".conf");
        assertTrue(f.isFile(), f.getAbsolutePath());
        Config c = VitsslConfig.load(f.getPath(), List.of());
        new PretrainJob().validate(c);
        StageSettings s = StageSettings.fromConfig(c);
        assertTrue(ClusterPretrain.enabled(c));
        assertEquals(name.contains("dino") ? 8 : 4, s.tasks());
        assertEquals(name.contains("dino") ? 64 : 60, s.batchPerTask());
        assertTrue(ClusterTraining.profile(s).isPresent(), "GPU recipes ask for a task ResourceProfile");
        TrainerStepRunner.optimSettings(c);
    }

    @Test
    void badValuesNameTheirKey() {
        Config c = VitsslConfig.load(null, List.of("pretrain.images=/x", "pretrain.run-dir=/y", "pretrain.cluster.allreduce.bucket-size=1KiB"));
        ConfigException e = assertThrows(ConfigException.class, () -> StageSettings.fromConfig(c));
        assertTrue(e.getMessage().contains("vitssl.pretrain.cluster.allreduce.bucket-size"), e.getMessage());
        Config g = VitsslConfig.load(null, List.of("pretrain.images=/x", "pretrain.run-dir=/y", "pretrain.cluster.executor-gpus=2",
                "pretrain.cluster.task-gpus=3"));
        e = assertThrows(ConfigException.class, () -> StageSettings.fromConfig(g));
        assertTrue(e.getMessage().contains("vitssl.pretrain.cluster.task-gpus"), e.getMessage());
        Config cpu = VitsslConfig.load(null, List.of("pretrain.images=/x", "pretrain.run-dir=/y"));
        assertTrue(ClusterTraining.profile(StageSettings.fromConfig(cpu)).isEmpty(), "no GPUs: no ResourceProfile");
    }
}
