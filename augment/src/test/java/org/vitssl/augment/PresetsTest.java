package org.vitssl.augment;

import org.junit.jupiter.api.Test;
import org.vitssl.common.config.VitsslConfig;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every preset in conf/augment loads, validates and carries the values of ALGORITHMS.md 1.2 / 1.4. */
class PresetsTest {
    static MultiCropSettings preset(String name) {
        File f = new File(System.getProperty("vitssl.repo.root", ".."), "conf/augment/" + name + ".conf");
        return MultiCropSettings.fromConfig(VitsslConfig.load(f.getPath(), List.of()));
    }

    static void check(String name, double g0, double l1, int locals, int size) {
        MultiCropSettings s = preset(name);
        assertEquals(2, s.globalCount, name);
        assertArrayEquals(new double[] {g0, 1.0}, s.globalScale, name);
        assertArrayEquals(new double[] {0.05, l1}, s.localScale, name);
        assertEquals(locals, s.localCount, name);
        assertEquals(size, s.globalSize, name);
    }

    @Test
    void presetsMatchTheSpecTable() {
        check("dino-default", 0.4, 0.4, 8, 224);
        check("ibot", 0.25, 0.25, 10, 224);
        check("attmask-20pct", 0.25, 0.25, 6, 224);
        check("attmask-full-100ep", 0.25, 0.25, 10, 224);
        check("attmask-full-300ep", 0.32, 0.32, 10, 224);
        check("reppas", 0.25, 0.25, 6, 224);
        check("dino-twins-cifar32", 0.5, 0.5, 3, 32);
        MultiCropSettings d = preset("dino-default");
        assertEquals(96, d.localSize);
        assertEquals(1.0, d.blurP(0));
        assertEquals(0.1, d.blurP(1));
        assertEquals(0.5, d.blurP(2));
        assertEquals(0.2, d.solarizeP(1));
        assertEquals(0.0, d.solarizeP(0));
        assertEquals(0.8, d.jitterP);
        MultiCropSettings t = preset("dino-twins-cifar32");
        assertEquals("dino-twins", t.pipeline);
        assertEquals(32, t.localSize);
        assertArrayEquals(new double[] {0.1, 0.2}, t.blurSigma);
    }
}
