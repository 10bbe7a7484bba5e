package org.vitssl.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The messages users see for typos, wrong types, out-of-range values and a missing -c file. */
class VitsslConfigValidationTest {
    @TempDir static Path dir;
    static ClassLoader loader;

    /** A module's reference.conf, seen through its own class loader so it does not leak into other tests. */
    @BeforeAll
    static void reference() throws Exception {
        Path res = Files.createDirectories(dir.resolve("res"));
        Files.writeString(res.resolve("reference.conf"), String.join("\n",
                "vitssl.demo {",
                "  # images per class",
                "  per-class = 260",
                "  fraction = 0.2",
                "  enabled = false",
                "  mode = \"none\"",
                "  sizes = [1, 2]",
                "  inner { quality = 90 }",
                "}"));
        loader = new URLClassLoader(new URL[] {res.toUri().toURL()}, VitsslConfigValidationTest.class.getClassLoader());
    }

    static Config load(String file, String... overrides) {
        return VitsslConfig.load(file, List.of(overrides), loader);
    }

    @Test
    void defaultsAndOverridesLoad() {
        Config c = load(null, "demo.per-class=13", "vitssl.demo.inner.quality=75", "demo.mode=s3a://bucket/x");
        assertEquals(13, c.getInt("vitssl.demo.per-class"));
        assertEquals(75, c.getInt("vitssl.demo.inner.quality"));
        assertEquals("s3a://bucket/x", c.getString("vitssl.demo.mode"));
        assertEquals(0.2, c.getDouble("vitssl.demo.fraction"));
    }

    @Test
    void unknownKeyNamesThePathAndSuggestsTheNearestKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, "demo.per-clas=5"));
        assertTrue(e.getMessage().contains("unknown key vitssl.demo.per-clas = 5"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean vitssl.demo.per-class?"), e.getMessage());
        ConfigException nested = assertThrows(ConfigException.class, () -> load(null, "demo.inner.qualty=5"));
        assertTrue(nested.getMessage().contains("did you mean vitssl.demo.inner.quality?"), nested.getMessage());
        ConfigException section = assertThrows(ConfigException.class, () -> load(null, "dmeo.x=1"));
        assertTrue(section.getMessage().contains("unknown key vitssl.dmeo.x"), section.getMessage());
    }

    @Test
    void unknownKeyInAFileIsRejectedToo() throws Exception {
        File f = dir.resolve("user.conf").toFile();
        Files.writeString(f.toPath(), "vitssl.demo { fracton = 0.5 }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(f.getPath()));
        assertTrue(e.getMessage().contains("vitssl.demo.fracton") && e.getMessage().contains("did you mean vitssl.demo.fraction?"),
                e.getMessage());
    }

    @Test
    void wrongTypeNamesExpectedAndGot() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, "demo.per-class=lots"));
        assertTrue(e.getMessage().contains("wrong type for vitssl.demo.per-class: expected a number like 260, got \"lots\""),
                e.getMessage());
        ConfigException b = assertThrows(ConfigException.class, () -> load(null, "demo.enabled=maybe"));
        assertTrue(b.getMessage().contains("wrong type for vitssl.demo.enabled: expected a boolean"), b.getMessage());
        ConfigException l = assertThrows(ConfigException.class, () -> load(null, "demo.sizes=3"));
        assertTrue(l.getMessage().contains("wrong type for vitssl.demo.sizes: expected a list"), l.getMessage());
    }

    @Test
    void outOfRangeNamesKeyAndValue() {
        Config c = load(null, "demo.inner.quality=101", "demo.fraction=1.5", "demo.mode=sometimes", "demo.per-class=0");
        ConfigException q = assertThrows(ConfigException.class, () -> ConfigChecks.intIn(c, "vitssl.demo.inner.quality", 1, 100));
        assertTrue(q.getMessage().contains("vitssl.demo.inner.quality") && q.getMessage().contains("bad value 101: must be in [1, 100]"),
                q.getMessage());
        ConfigException f = assertThrows(ConfigException.class, () -> ConfigChecks.probability(c, "vitssl.demo.fraction"));
        assertTrue(f.getMessage().contains("vitssl.demo.fraction") && f.getMessage().contains("1.5"), f.getMessage());
        ConfigException m = assertThrows(ConfigException.class, () -> ConfigChecks.oneOf(c, "vitssl.demo.mode", Set.of("none", "first-n")));
        assertTrue(m.getMessage().contains("vitssl.demo.mode") && m.getMessage().contains("sometimes"), m.getMessage());
        ConfigException p = assertThrows(ConfigException.class, () -> ConfigChecks.positiveInt(c, "vitssl.demo.per-class"));
        assertTrue(p.getMessage().contains("vitssl.demo.per-class") && p.getMessage().contains("bad value 0"), p.getMessage());
    }

    @Test
    void missingConfigFileIsNamed() {
        String missing = dir.resolve("nope/absent.conf").toString();
        ConfigException e = assertThrows(ConfigException.class, () -> load(missing));
        assertTrue(e.getMessage().contains("configuration file not found") && e.getMessage().contains("absent.conf"), e.getMessage());
    }
}
