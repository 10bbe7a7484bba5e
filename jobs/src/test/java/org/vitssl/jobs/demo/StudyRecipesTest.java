package org.vitssl.jobs.demo;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.train.PretrainJob;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The study recipes (conf/study/*.conf) load as {@code bin/vitssl demo -c FILE} loads them (demo defaults
 * under the file), pass the pretraining checks, and change only the method-specific keys of the demo's run.
 */
class StudyRecipesTest {
    static final File DIR = new File("../conf/study");

    static Config load(String name) {
        File f = new File(DIR, name + ".conf");
        assertTrue(f.isFile(), f.getAbsolutePath());
        return VitsslConfig.load(f.getPath(), List.of("pretrain.images=/data/x", "pretrain.run-dir=/tmp/run"),
                new DemoJob().defaultsResource(), StudyRecipesTest.class.getClassLoader());
    }

    @Test
    void everyRecipeOfTheFolderIsCovered() {
        List<String> names = Arrays.stream(DIR.list((d, n) -> n.endsWith(".conf"))).map(n -> n.replace(".conf", ""))
                .sorted().collect(Collectors.toList());
        assertEquals(List.of("attmask-high", "attmask-low", "dino", "dino-twins", "ibot-block"), names);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dino", "ibot-block", "attmask-high", "attmask-low", "dino-twins"})
    void recipeIsValidAndKeepsTheDemoBudget(String name) {
        Config c = load(name);
        new PretrainJob().validate(c);
        Config demo = load("dino");
        for (String key : List.of("vitssl.pretrain.epochs", "vitssl.pretrain.batch-size", "vitssl.pretrain.optimizer",
                "vitssl.model.embed-dim", "vitssl.model.depth", "vitssl.model.patch-size", "vitssl.augment.global",
                "vitssl.augment.local")) {
            assertEquals(demo.getValue(key).unwrapped(), c.getValue(key).unwrapped(), name + ": " + key);
        }
        String method = c.getString("vitssl.pretrain.method");
        String mask = c.getString("vitssl.mask.method");
        switch (name) {
            case "dino": assertEquals("dino", method); break;
            case "ibot-block": assertEquals("ibot", method); assertEquals("block", mask); break;
            case "attmask-high": assertEquals("attmask", method); assertEquals("attmask-high", mask); break;
            case "dino-twins": assertEquals("dino-twins", method); break;
            default: assertEquals("attmask", method); assertEquals("attmask-low", mask);
        }
    }
}
