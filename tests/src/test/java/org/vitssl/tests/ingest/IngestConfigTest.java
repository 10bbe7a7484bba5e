package org.vitssl.tests.ingest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/** What a user sees for bad settings of the ingest job: exit code 2 and the key path with the bad value. */
class IngestConfigTest {
    @TempDir static Path dir;

    @AfterAll
    static void stop() { stopSpark(); }

    /** {@code expected}: fragments separated by '|', all of which must appear in the error output. */
    static void fails(String expected, String... args) {
        Run r = ingest(args);
        assertEquals(2, r.rc(), r.all());
        assertTrue(r.err().contains("configuration error"), r.all());
        for (String part : expected.split("\\|")) {
            assertTrue(r.err().contains(part), "expected '" + part + "' in:\n" + r.err());
        }
    }

    @Test
    void typoIsRejectedWithASuggestion() {
        fails("unknown key vitssl.ingest.subset.mod = \"first-n\" (did you mean vitssl.ingest.subset.mode?)",
                "--subset.mod", "first-n", "--train.path", "/x", "--output", "/y");
        fails("did you mean vitssl.ingest.shard-size-mb?", "ingest.shard-size=64", "--train.path", "/x", "--output", "/y");
    }

    @Test
    void wrongTypeAndOutOfRangeNameTheKeyAndValue() {
        fails("wrong type for vitssl.ingest.shard-size-mb: expected a number like 128, got \"big\"",
                "--shard-size-mb", "big", "--train.path", "/x", "--output", "/y");
        fails("'vitssl.ingest.reencode.jpeg-quality': bad value 0: must be in [1, 100]",
                "--reencode.jpeg-quality", "0", "--train.path", "/x", "--output", "/y");
        fails("'vitssl.ingest.subset.mode': bad value sometimes: must be one of",
                "--subset.mode", "sometimes", "--train.path", "/x", "--output", "/y");
        fails("'vitssl.ingest.max-error-fraction': bad value 2.0", "--max-error-fraction", "2", "--train.path", "/x", "--output", "/y");
        fails("'vitssl.ingest.compression': bad value lz4", "--compression", "lz4", "--train.path", "/x", "--output", "/y");
    }

    @Test
    void missingSettingsAndPaths() {
        fails("vitssl.ingest.output", "--train.path", "/x");
        fails("no input", "--output", q(dir.resolve("o")));
        fails("vitssl.ingest.train.labels", "--train.format", "idx", "--train.path", "/x", "--output", "/y");
        fails("configuration file not found", "-c", q(dir.resolve("missing.conf")));
        fails("'vitssl.ingest.train.path': bad value " + dir.resolve("absent") + ": is not an existing directory",
                "--train.path", q(dir.resolve("absent")), "--output", q(dir.resolve("o2")));
    }
}
