package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.typesafe.config.Config;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.bench.BenchDevice;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code vitssl bench barlow-pairs}: one forward + backward pass of the Barlow Twins term summed over the
 * V(V-1)/2 crop pairs of DINO Twins (standardisation included), in ms, for the two ways of computing it
 * (one d x d cross-correlation per pair; the crops' n x n Gram matrices) and for PyTorch eager doing it the
 * reference's way ({@code pretrain/bench/bench_barlow_pairs.py}, one C per pair).
 */
public final class BarlowPairsBenchmark implements Benchmark {
    private static final String P = "vitssl.bench.barlow-pairs.";

    @Override public String name() { return "barlow-pairs"; }

    @Override public String summary() { return "Barlow Twins over all crop pairs: d x d per pair vs Gram matrices vs PyTorch, ms per pass"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        int threads = ConfigChecks.positiveInt(config, "vitssl.bench.threads");
        int n = ConfigChecks.positiveInt(config, P + "n"), d = ConfigChecks.positiveInt(config, P + "d");
        int warmup = ConfigChecks.nonNegativeInt(config, P + "warmup");
        int iterations = ConfigChecks.positiveInt(config, P + "iterations");
        int rounds = ConfigChecks.positiveInt(config, P + "rounds");
        List<Integer> views = config.getIntList(P + "views");
        for (int v : views) if (v < 2) throw ConfigChecks.bad(P + "views", v, "every entry must be >= 2");
        boolean python = config.getBoolean(P + "python") && PythonCounterpart.available();
        BenchDevice device = BenchDevice.of(config);
        Engine.getInstance();
        JniUtils.setNumThreads(threads);

        out.printf(Locale.ROOT, "Barlow Twins over crop pairs, forward + backward, n=%d d=%d, device=%s, threads=%d, fastest of %d per round,"
                + " medians over %d rounds (Java and PyTorch alternate)%n", n, d, device.name(), threads, iterations, rounds);
        out.printf(Locale.ROOT, "%5s %5s %11s %11s %11s %11s %9s %9s%n", "views", "pairs", "java C ms", "java Gram ms", "chosen",
                "torch C ms", "C/Gram", "torch/java");
        for (int v : views) {
            double[] direct = new double[rounds], gram = new double[rounds], torch = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                direct[r] = millis(v, n, d, false, warmup, iterations, device);
                gram[r] = millis(v, n, d, true, warmup, iterations, device);
                torch[r] = python ? pythonMillis(v, n, d, threads, warmup, iterations, device) : Double.NaN;
            }
            double c = Benchmark.median(direct), g = Benchmark.median(gram), t = Benchmark.median(torch);
            String chosen = BarlowTwinsLoss.usesGram(v, n, d) ? "Gram" : "C";
            out.printf(Locale.ROOT, "%5d %5d %11.1f %11.1f %11s %11s %8.2fx %9s%n", v, v * (v - 1) / 2, c, g, chosen,
                    python ? String.format(Locale.ROOT, "%.1f", t) : "n/a", c / g,
                    python ? String.format(Locale.ROOT, "%.2fx", t / (chosen.equals("Gram") ? g : c)) : "n/a");
            out.flush();
        }
    }

    /** Fastest forward + backward in ms. */
    static double millis(int v, int n, int d, boolean gram, int warmup, int iterations, BenchDevice device) {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager base = NDManager.newBaseManager(device.djl())) {
            NDArray z = base.randomNormal(new Shape((long) v * n, d));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < warmup + iterations; i++) {
                try (NDManager step = base.newSubManager()) {
                    NDArray in = z.duplicate();
                    in.attach(step);
                    in.setRequiresGradient(true);
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray a = BarlowTwinsLoss.unbiasedStandardise(in.reshape(v, n, d));
                        gc.backward(gram ? BarlowTwinsLoss.gramPairSum(a, 5e-3) : BarlowTwinsLoss.directPairSum(a, 5e-3));
                    }
                    in.getGradient().getFloat(0, 0);              // waits for the device
                    if (i >= warmup) best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
            }
            return best;
        }
    }

    private static double pythonMillis(int v, int n, int d, int threads, int warmup, int iterations, BenchDevice device)
            throws Exception {
        List<String> a = List.of("--threads", Integer.toString(threads), "--device", device.torch(), "--warmup",
                Integer.toString(warmup), "--iterations", Integer.toString(iterations), v + ":" + n + ":" + d);
        String text = PythonCounterpart.run("pretrain/bench/bench_barlow_pairs.py", a, threads, 3600);
        for (String line : text.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 2 && w[0].equals(v + ":" + n + ":" + d)) return Double.parseDouble(w[1]);
        }
        throw new IllegalStateException("bench_barlow_pairs.py printed no result for " + v + ":" + n + ":" + d + ":\n" + text);
    }
}
