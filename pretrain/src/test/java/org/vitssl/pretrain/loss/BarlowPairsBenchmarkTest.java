package org.vitssl.pretrain.loss;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark runs end to end on tiny sizes and reports which way pairSum takes (no timing asserted). */
class BarlowPairsBenchmarkTest {
    @Test
    void printsARowPerViewCountWithTheChosenPath() throws Exception {
        Config c = ConfigFactory.parseString("vitssl.bench { threads = 2, device = cpu }\n"
                + "vitssl.bench.barlow-pairs { n = 8, d = 64, views = [2, 4], warmup = 0,"
                + " iterations = 1, rounds = 1, python = false }").withFallback(ConfigFactory.load()).resolve();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new BarlowPairsBenchmark().run(c, new String[0], new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        // n 8, d 64: V n^2 d + V^2 n^2 + V^2 n d = 1024 + 256 + 2048 against n d^2 = 32768 for one pair: Gram
        assertTrue(table.matches("(?s).*\\n\\s+2\\s+1\\s+\\S+\\s+\\S+\\s+Gram\\s+n/a.*"), table);
        assertTrue(table.matches("(?s).*\\n\\s+4\\s+6\\s+\\S+\\s+\\S+\\s+Gram\\s+n/a.*"), table);
        assertFalse(BarlowTwinsLoss.usesGram(2, 2048, 1024), "n 2048 > d 1024: one C is cheaper");
    }
}
