package org.vitssl.jobs;

import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** {@code vitssl bench NAME [args]}: runs one registered benchmark, which prints its own table. */
public final class BenchJob implements VitsslJob {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "run a benchmark (prints a table; Python counterparts side by side)"; }

    @Override public String help() {
        StringBuilder b = new StringBuilder("Benchmarks:\n");
        for (Benchmark m : discover().values()) b.append(String.format("  %-16s %s%n", m.name(), m.summary()));
        return b.append("Run: vitssl bench NAME [args]; results go into BENCHMARKS.md by hand.").toString();
    }

    @Override public String configSection() { return "vitssl.bench"; }

    @Override public int run(JobContext ctx) throws Exception {
        Map<String, Benchmark> all = discover();
        List<String> args = ctx.positional();
        if (args.isEmpty() || !all.containsKey(args.get(0))) {
            ctx.out().println(help());
            return args.isEmpty() ? 0 : 2;
        }
        Benchmark b = all.get(args.get(0));
        b.run(ctx.config(), args.subList(1, args.size()).toArray(new String[0]), ctx.out());
        return 0;
    }

    static Map<String, Benchmark> discover() {
        Map<String, Benchmark> m = new TreeMap<>();
        for (Benchmark b : ServiceLoader.load(Benchmark.class)) m.put(b.name(), b);
        return m;
    }
}
