package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.pretrain.optim.OptimSettings;
import org.vitssl.pretrain.train.toy.MlpDinoTask;
import org.vitssl.pretrain.train.toy.SyntheticVectorSource;
import org.vitssl.pretrain.train.toy.VectorBatch;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code vitssl bench train-memory [steps] [every]}: runs the training loop (every step in its own NDManager
 * scope; checkpoints off) on the synthetic DINO task for {@code steps} steps (default 1200) and prints the
 * resident set size (VmRSS of /proc/self/status), the JVM heap, the live NDArrays and the speed every
 * {@code every} steps (default 100), then the growth after warm-up (the first 20% of the steps, rounded up to a
 * sample). The bar: less than 5% growth. RSS is split into the pages inside the Java heap's reserved range
 * (first touches of the committed heap: bounded by it) and the rest (libtorch, malloc, JVM internals). The
 * first line names the allocator settings in effect (the {@code MALLOC_*} variables, {@code LD_PRELOAD},
 * jemalloc's {@code MALLOC_CONF}, the JVM's heap sizes, {@code AlwaysPreTouch} and {@code TrimNativeHeapInterval}),
 * since resident memory depends on them.
 */
public final class TrainMemoryBenchmark implements Benchmark {
    @Override public String name() { return "train-memory"; }

    @Override public String summary() { return "resident memory of the training loop over >= 1000 steps (growth after warm-up)"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1200;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        if (steps < 1 || every < 1 || every > steps) {
            throw new IllegalArgumentException("train-memory: need 1 <= every <= steps, got steps " + steps
                    + ", every " + every);
        }
        int batch = 32;
        int dim = 64;
        int hidden = 128;
        int k = 2048;
        Path run = Files.createTempDirectory("vitssl-train-memory");
        SyntheticVectorSource data = new SyntheticVectorSource(2048, dim, 16, batch, 1L);
        int epochs = (steps + data.batchesPerEpoch() - 1) / data.batchesPerEpoch();
        OptimSettings o = new OptimSettings(5e-4, 1e-6, 1, 0.04, 0.4, 0.9, 0.999, 1e-8, 3.0, 1, 0.996, 0.04, 0.04, 0, epochs);
        TrainerSettings s = new TrainerSettings(run.toString(), 1L, batch, 1, 0, false, 1, false, every, every);
        out.printf("train-memory: synthetic DINO task (dim %d, hidden %d, K %d), batch %d, %d steps, RSS every %d steps%n",
                dim, hidden, k, batch, steps, every);
        out.println("allocator: " + allocatorSettings());
        out.printf("%8s %10s %12s %12s %10s %10s %10s %10s %8s%n", "step", "RSS MiB", "in heap MiB", "outside MiB",
                "loss", "heap MiB", "heap used", "NDArrays", "steps/s");
        long[] heapRange = javaHeapRange();
        List<long[]> samples = new ArrayList<>();
        long[] last = {System.nanoTime(), 0};
        long t0 = System.nanoTime();
        try (NDManager base = NDManager.newBaseManager();
             MlpDinoTask task = new MlpDinoTask(base, dim, hidden, k, 1L);
             Trainer<VectorBatch> t = new Trainer<>(s, o, task, data, "", new Configuration(), base,
                     out)) {
            t.setListener((step, loss) -> {
                if (step % every == 0) {
                    long rss = rssKb();
                    long inHeap = residentKbIn(heapRange);
                    long now = System.nanoTime();
                    double rate = (step - last[1]) / ((now - last[0]) / 1e9);
                    last[0] = now;
                    last[1] = step;
                    samples.add(new long[] {step, rss, now, inHeap < 0 ? -1 : rss - inHeap});
                    Runtime r = Runtime.getRuntime();
                    out.printf("%8d %10.1f %12.1f %12.1f %10.4f %10.1f %10.1f %10d %8.1f%n", step, rss / 1024.0,
                            inHeap / 1024.0, inHeap < 0 ? -1 : (rss - inHeap) / 1024.0, loss,
                            r.totalMemory() / 1048576.0, (r.totalMemory() - r.freeMemory()) / 1048576.0,
                            ((ai.djl.ndarray.BaseNDManager) base).getManagedArrays().size(), rate);
                }
            });
            t.run(steps);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long warm = warmUpEnd(steps, every);
        long[] atWarm = samples.stream().filter(x -> x[0] >= warm).findFirst().orElse(null);
        long[] end = samples.get(samples.size() - 1);
        if (atWarm == null || atWarm == end) {
            out.printf("too few samples after warm-up (step %d) to measure growth; %.1f steps/s%n", warm, steps / secs);
        } else {
            long max = samples.stream().filter(x -> x[0] >= warm).mapToLong(x -> x[1]).max().orElse(-1);
            double after = (end[0] - atWarm[0]) / ((end[2] - atWarm[2]) / 1e9);
            out.printf("RSS at the end of warm-up (step %d): %.1f MiB; final (step %d): %.1f MiB; max after warm-up: "
                            + "%.1f MiB; growth %.2f%% (bar: < 5%%); %.1f steps/s overall, %.1f after warm-up%n",
                    atWarm[0], atWarm[1] / 1024.0, end[0], end[1] / 1024.0, max / 1024.0,
                    100.0 * (end[1] - atWarm[1]) / atWarm[1], steps / secs, after);
            if (atWarm[3] > 0) {
                long maxOut = samples.stream().filter(x -> x[0] >= warm).mapToLong(x -> x[3]).max().orElse(-1);
                out.printf("RSS outside the Java heap (native: libtorch, malloc, JVM internals): %.1f MiB at step %d, "
                                + "%.1f MiB at the end, max %.1f MiB; growth %.2f%%%n", atWarm[3] / 1024.0, atWarm[0],
                        end[3] / 1024.0, maxOut / 1024.0, 100.0 * (end[3] - atWarm[3]) / atWarm[3]);
            }
        }
        deleteTree(run);
    }

    /** The end of warm-up: the first sample at or after 20% of the steps. */
    static long warmUpEnd(long steps, long every) {
        long fifth = (steps + 4) / 5;
        return Math.max(every, (fifth + every - 1) / every * every);
    }

    /** The native allocator settings of this process, as far as they can be seen from inside it. */
    static String allocatorSettings() {
        List<String> parts = new ArrayList<>();
        System.getenv().entrySet().stream()
                .filter(e -> e.getKey().startsWith("MALLOC_") || e.getKey().equals("LD_PRELOAD")
                        || e.getKey().equals("TCMALLOC_RELEASE_RATE"))
                .sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
        String trim = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:TrimNativeHeapInterval") || a.endsWith("AlwaysPreTouch")
                        || a.startsWith("-Xms") || a.startsWith("-Xmx"))
                .collect(Collectors.joining(" "));
        if (!trim.isEmpty()) parts.add(trim);
        return parts.isEmpty() ? "glibc malloc defaults" : String.join(" ", parts);
    }

    /**
     * The address range [start, end) reserved for the Java heap, from the {@code GC.heap_info} diagnostic command
     * ({@code "... [0x00000000c0000000, 0x0000000100000000)"}); null when it cannot be read.
     */
    static long[] javaHeapRange() {
        try {
            Object info = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)")
                    .matcher(String.valueOf(info));
            return m.find() ? new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)}
                    : null;
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** The resident KiB of this process's mappings that start inside {@code range} (/proc/self/smaps); -1 if unknown. */
    static long residentKbIn(long[] range) {
        if (range == null) return -1;
        long kb = 0;
        boolean inside = false;
        try (var lines = Files.lines(Path.of("/proc/self/smaps"))) {
            for (String l : (Iterable<String>) lines::iterator) {
                int dash = l.indexOf('-');
                int space = l.indexOf(' ');
                if (dash > 0 && space > dash && Character.isLetterOrDigit(l.charAt(0)) && !l.startsWith("Rss")
                        && l.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    long start = Long.parseUnsignedLong(l.substring(0, dash), 16);
                    inside = Long.compareUnsigned(start, range[0]) >= 0 && Long.compareUnsigned(start, range[1]) < 0;
                } else if (inside && l.startsWith("Rss:")) {
                    kb += Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return kb;
    }

    /** VmRSS of this process in KiB. */
    public static long rssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
    }
}
