package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vitssl.common.config.VitsslConfig;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every recipe in conf/ loads (unknown keys / wrong types rejected by VitsslConfig) and passes the job's checks. */
class RecipesTest {
    @ParameterizedTest
    @ValueSource(strings = {"dino-vits16", "ibot-vits16", "attmask-20pct", "fashion-mnist-tiny", "dino-twins-cifar10",
            "barlow-twins"})
    void recipeIsValid(String name) {
        File f = new File("../conf/" + name + ".conf");
        assertTrue(f.isFile(), f.getAbsolutePath());
        Config c = VitsslConfig.load(f.getPath(), List.of("pretrain.images=/data/x", "pretrain.run-dir=/tmp/run"));
        new PretrainJob().validate(c);
        switch (name) {
            case "dino-vits16":
                assertEquals(65536, c.getInt("vitssl.model.dino-head.out-dim"));
                assertEquals(8, c.getInt("vitssl.augment.local.count"));
                break;
            case "ibot-vits16":
                assertEquals(10, c.getInt("vitssl.augment.local.count"));
                assertEquals(0.07, c.getDouble("vitssl.loss.ibot.teacher-temp"));
                break;
            case "attmask-20pct":
                assertEquals("attmask-high", c.getString("vitssl.mask.method"));
                assertEquals(0.99, c.getDouble("vitssl.pretrain.teacher.momentum"));
                break;
            case "dino-twins-cifar10":
                assertEquals(2048, c.getInt("vitssl.model.dino-twins.out-dim"));
                assertEquals(3, c.getInt("vitssl.augment.local.count"));
                assertEquals(32, c.getInt("vitssl.augment.local.size"));
                assertEquals(0.9995, c.getDouble("vitssl.pretrain.teacher.momentum"));
                assertEquals(0.1, c.getDouble("vitssl.pretrain.optimizer.warmup-start-factor"));
                break;
            case "barlow-twins":
                assertEquals(0.0051, c.getDouble("vitssl.loss.barlow-twins.lambda"));
                assertEquals(List.of(1536, 1536, 1536), c.getIntList("vitssl.model.barlow-projector.sizes"));
                break;
            default:
                assertEquals(32, c.getInt("vitssl.augment.global.size"));
        }
    }
}
