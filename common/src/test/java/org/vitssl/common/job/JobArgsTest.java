package org.vitssl.common.job;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line grammar: one -c file, key=value overrides, --key value shorthands. */
class JobArgsTest {
    @Test
    void oneConfigFileAndOverrides() {
        JobArgs a = JobArgs.parse(new String[] {"-c", "a.conf", "x.y=1", "--batch-size", "64"}, "vitssl.embed",
                ConfigFactory.empty());
        assertEquals("a.conf", a.configFile);
        assertEquals(List.of("x.y=1", "vitssl.embed.batch-size=64"), a.overrides);
    }

    @Test
    void secondConfigFileIsRefusedNotSilentlyDropped() {
        ConfigException e = assertThrows(ConfigException.class, () -> JobArgs.parse(
                new String[] {"-c", "defaults.conf", "--config", "study.conf"}, "vitssl.embed", ConfigFactory.empty()));
        assertTrue(e.getMessage().contains("only one configuration file per job, got defaults.conf and study.conf"),
                e.getMessage());
        assertTrue(e.getMessage().contains("include \"defaults.conf\""), e.getMessage());
    }
}
