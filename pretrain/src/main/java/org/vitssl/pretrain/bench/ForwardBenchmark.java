package org.vitssl.pretrain.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vitssl bench forward}: ViT inference forward (all normed tokens) in images/s, Java (DJL,
 * libtorch) next to the same model in PyTorch eager ({@code pretrain/bench/bench_forward.py}), run one
 * after the other in this invocation with the same thread count. Cases: depth 4 and 12, D 192, 3 heads,
 * P 4 on 32x32 (batch {@code vitssl.bench.forward.batch}) and ViT-S/16 on 224x224
 * ({@code vitssl.bench.forward.vits-batch}).
 */
public final class ForwardBenchmark implements Benchmark {
    @Override public String name() { return "forward"; }

    @Override public String summary() { return "ViT forward images/s, Java vs PyTorch eager (depth 4/12 on 32x32, ViT-S/16 on 224)"; }

    /** One measured configuration. */
    record Case(String name, ViTConfig vit, int batch) {
        String spec() {
            return name + ":" + vit.dim() + ":" + vit.depth() + ":" + vit.heads() + ":" + vit.patch() + ":" + vit.imgSize() + ":" + batch;
        }
    }

    static List<Case> cases(Config c) {
        String p = "vitssl.bench.forward.";
        int batch = ConfigChecks.positiveInt(c, p + "batch");
        int vitsBatch = ConfigChecks.positiveInt(c, p + "vits-batch");
        Map<String, Case> all = new LinkedHashMap<>();
        all.put("d4-32px", new Case("d4-32px", ViTConfig.of(192, 4, 3, 4, 32), batch));
        all.put("d12-32px", new Case("d12-32px", ViTConfig.of(192, 12, 3, 4, 32), batch));
        all.put("vits16-224px", new Case("vits16-224px", ViTConfig.preset("vit_small", 16, 224), vitsBatch));
        List<Case> chosen = new ArrayList<>();
        for (String n : c.getStringList(p + "cases")) {
            Case k = all.get(n);
            if (k == null) throw ConfigChecks.bad(p + "cases", n, "unknown case; one of " + all.keySet());
            chosen.add(k);
        }
        return chosen;
    }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        String p = "vitssl.bench.forward.";
        int threads = ConfigChecks.positiveInt(config, "vitssl.bench.threads");
        int warmup = ConfigChecks.nonNegativeInt(config, p + "warmup");
        int iterations = ConfigChecks.positiveInt(config, p + "iterations");
        int rounds = ConfigChecks.positiveInt(config, p + "rounds");
        boolean python = config.getBoolean(p + "python") && PythonCounterpart.available();
        List<Case> cases = cases(config);
        BenchDevice device = BenchDevice.of(config);
        Engine.getInstance();
        JniUtils.setNumThreads(threads);

        out.printf(Locale.ROOT, "ViT forward (inference, all normed tokens), device=%s, threads=%d, warmup=%d, iterations=%d, rounds=%d"
                + " (Java and PyTorch alternate within each round; medians over rounds)%n", device.name(), threads, warmup, iterations, rounds);
        out.printf(Locale.ROOT, "%-14s %5s %5s %5s %7s %12s %12s %7s   %s%n", "case", "dim", "depth", "batch", "img/P", "java img/s",
                "torch img/s", "ratio", "per round java/torch");
        for (Case c : cases) {
            double[] j = new double[rounds], t = new double[rounds];
            StringBuilder per = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                j[r] = measure(c, warmup, iterations, device)[0];
                t[r] = python ? pythonImagesPerSecond(c, threads, warmup, iterations, device) : Double.NaN;
                per.append(String.format(Locale.ROOT, "%s%.1f/%.1f", r == 0 ? "" : " ", j[r], t[r]));
            }
            double jm = Benchmark.median(j), tm = Benchmark.median(t);
            out.printf(Locale.ROOT, "%-14s %5d %5d %5d %7s %12.1f %12s %7s   %s%n", c.name(), c.vit().dim(), c.vit().depth(), c.batch(),
                    c.vit().imgSize() + "/" + c.vit().patch(), jm, python ? String.format(Locale.ROOT, "%.1f", tm) : "n/a",
                    python ? String.format(Locale.ROOT, "%.2fx", jm / tm) : "n/a", per);
            out.flush();
        }
    }

    private static double pythonImagesPerSecond(Case c, int threads, int warmup, int iterations, BenchDevice device)
            throws Exception {
        List<String> a = List.of("--threads", Integer.toString(threads), "--device", device.torch(), "--warmup", Integer.toString(warmup),
                "--iterations", Integer.toString(iterations), c.spec());
        String text = PythonCounterpart.run("pretrain/bench/bench_forward.py", a, threads, 3600);
        for (String line : text.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 3 && w[0].equals(c.name())) return Double.parseDouble(w[1]);
        }
        throw new IllegalStateException("bench_forward.py printed no result for " + c.name() + ":\n" + text);
    }

    /** Returns {images/s, seconds per batch}. */
    static double[] measure(Case c, int warmup, int iterations, BenchDevice device) {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager base = NDManager.newBaseManager(device.djl())) {
            VisionTransformer v = VisionTransformer.create(c.vit(), base);
            NDArray x = base.randomNormal(new Shape(c.batch(), 3, c.vit().imgSize(), c.vit().imgSize()));
            for (int i = 0; i < warmup; i++) once(v, base, x);
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) once(v, base, x);
            double dt = (System.nanoTime() - t0) / 1e9 / iterations;
            return new double[] {c.batch() / dt, dt};
        }
    }

    private static void once(VisionTransformer v, NDManager base, NDArray x) {
        try (NDManager step = base.newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(step);
            v.forward(in).tokens().getFloat(0, 0, 0);
        }
    }
}
