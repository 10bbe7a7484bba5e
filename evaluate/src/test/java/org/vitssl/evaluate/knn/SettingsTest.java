package org.vitssl.evaluate.knn;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.evaluate.probe.ProbeJob;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vitssl.knn / vitssl.probe: defaults, the conf/evaluate-*.conf recipes, and range errors naming the key. */
class SettingsTest {
    static final List<String> PATHS = List.of("knn.train=/t", "knn.test=/v", "knn.output=/o",
            "probe.train=/t", "probe.test=/v", "probe.output=/o");

    static Config load(String file, String... more) {
        List<String> o = new ArrayList<>(PATHS);
        o.addAll(Arrays.asList(more));
        return VitsslConfig.load(file, o);
    }

    static File repo() {
        File d = new File(System.getProperty("vitssl.repo.root", "..")).getAbsoluteFile();
        return new File(d, "conf").isDirectory() ? d : new File("..").getAbsoluteFile();
    }

    @Test
    void defaultsAreDinos() {
        KnnSettings s = KnnSettings.fromConfig(load(null));
        assertArrayEquals(new int[] {10, 20, 100, 200}, s.ks);
        assertEquals(0.07, s.temperature, 0);
        assertEquals(200, s.search.k);
        assertArrayEquals(new int[] {1, 5, 10, 20}, s.lowShotPerClass);
        assertEquals(5, s.lowShotSubsets);
        new ProbeJob.Settings(load(null));
    }

    @Test
    void recipesLoad() {
        File conf = new File(repo(), "conf");
        int n = 0;
        for (String f : new String[] {"evaluate-knn.conf", "evaluate-knn-lowshot.conf", "evaluate-probe.conf"}) {
            Config c = load(new File(conf, f).getPath());
            KnnSettings.fromConfig(c);
            new ProbeJob.Settings(c);
            n++;
        }
        assertEquals(3, n);
        assertTrue(KnnSettings.fromConfig(load(new File(conf, "evaluate-knn-lowshot.conf").getPath())).lowShot);
    }

    @Test
    void badValuesNameTheKey() {
        assertKey("vitssl.knn.temperature", "knn.temperature=0");
        assertKey("vitssl.knn.ks", "knn.ks=[]");
        assertKey("vitssl.knn.ks", "knn.ks=[0, 5]");
        assertKey("vitssl.knn.query-block-rows", "knn.query-block-rows=100000", "knn.shard-rows=100000");
        assertKey("vitssl.knn.backend", "knn.backend=cuda");
        assertKey("vitssl.probe.holdout-fraction", "probe.holdout-fraction=0.95");
        assertKey("vitssl.probe.reg-params", "probe.reg-params=[-1]");
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, "knn.temprature=0.1"));
        assertTrue(e.getMessage().contains("did you mean vitssl.knn.temperature"), e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> KnnSettings.fromConfig(VitsslConfig.load(null, List.of())));
        assertTrue(missing.getMessage().contains("vitssl.knn.train"), missing.getMessage());
    }

    static void assertKey(String key, String... overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> {
            Config c = load(null, overrides);
            KnnSettings.fromConfig(c);
            new ProbeJob.Settings(c);
        });
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
