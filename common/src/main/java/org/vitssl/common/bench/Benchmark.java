package org.vitssl.common.bench;

import com.typesafe.config.Config;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * A benchmark run by {@code bin/vitssl bench NAME}. Modules register theirs in
 * {@code META-INF/services/org.vitssl.common.bench.Benchmark}. A benchmark prints a table; where a
 * Python counterpart exists it runs it in the same invocation on the same inputs and threads and
 * prints both numbers and the ratio (see {@link PythonCounterpart}).
 */
public interface Benchmark {
    String name();

    String summary();

    /** Runs it; {@code args} are the words after the benchmark's name. */
    void run(Config config, String[] args, PrintStream out) throws Exception;

    /** The median of per-round figures (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
