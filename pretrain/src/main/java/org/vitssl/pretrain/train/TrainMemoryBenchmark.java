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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vitssl bench train-memory [steps] [every]}: runs the training loop (every step in its own NDManager
 * scope; checkpoints off) on the synthetic DINO task for {@code steps} steps (default 1200) and prints the
 * resident set size (VmRSS of /proc/self/status) every {@code every} steps (default 100), then the growth after
 * warm-up (the first 20% of the steps). The bar: less than 5% growth.
 */
public final class TrainMemoryBenchmark implements Benchmark {
    @Override public String name() { return "train-memory"; }

    @Override public String summary() { return "resident memory of the training loop over >= 1000 steps (growth after warm-up)"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1200;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 100;
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
        out.printf("%8s %12s %10s %14s %10s%n", "step", "RSS MiB", "loss", "JVM heap MiB", "NDArrays");
        List<long[]> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        try (NDManager base = NDManager.newBaseManager();
             MlpDinoTask task = new MlpDinoTask(base, dim, hidden, k, 1L);
             Trainer<VectorBatch> t = new Trainer<>(s, o, task, data, "", new Configuration(), base,
                     out)) {
            t.setListener((step, loss) -> {
                if (step % every == 0) {
                    long rss = rssKb();
                    samples.add(new long[] {step, rss});
                    out.printf("%8d %12.1f %10.4f %14.1f %10d%n", step, rss / 1024.0, loss,
                            Runtime.getRuntime().totalMemory() / 1048576.0,
                            ((ai.djl.ndarray.BaseNDManager) base).getManagedArrays().size());
                }
            });
            t.run(steps);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long warm = Math.max(every, (steps / 3) / every * every);
        long atWarm = samples.stream().filter(x -> x[0] >= warm).findFirst().map(x -> x[1]).orElse(-1L);
        long last = samples.get(samples.size() - 1)[1];
        long max = samples.stream().filter(x -> x[0] >= warm).mapToLong(x -> x[1]).max().orElse(-1);
        out.printf("RSS after warm-up (step %d): %.1f MiB; final: %.1f MiB; max after warm-up: %.1f MiB; growth %.2f%% "
                        + "(bar: < 5%%); %.1f steps/s%n", warm, atWarm / 1024.0, last / 1024.0, max / 1024.0,
                100.0 * (last - atWarm) / atWarm, steps / secs);
        deleteTree(run);
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
