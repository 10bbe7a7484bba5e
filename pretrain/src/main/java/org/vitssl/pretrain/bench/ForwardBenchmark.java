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
        boolean python = config.getBoolean(p + "python");
        List<Case> cases = cases(config);
        Engine.getInstance();
        JniUtils.setNumThreads(threads);

        Map<String, double[]> java = new LinkedHashMap<>();
        for (Case c : cases) java.put(c.name(), measure(c, warmup, iterations));

        Map<String, Double> py = new LinkedHashMap<>();
        if (python && PythonCounterpart.available()) {
            List<String> a = new ArrayList<>(List.of("--threads", Integer.toString(threads), "--warmup", Integer.toString(warmup),
                    "--iterations", Integer.toString(iterations)));
            for (Case c : cases) a.add(c.spec());
            String text = PythonCounterpart.run("pretrain/bench/bench_forward.py", a, threads, 3600);
            for (String line : text.split("\n")) {
                String[] w = line.trim().split("\\s+");
                if (w.length == 3 && java.containsKey(w[0])) py.put(w[0], Double.parseDouble(w[1]));
            }
        }

        out.printf(Locale.ROOT, "ViT forward (inference, all normed tokens), threads=%d, warmup=%d, iterations=%d%n", threads, warmup, iterations);
        out.printf(Locale.ROOT, "%-14s %6s %6s %6s %10s %12s %12s %8s%n", "case", "dim", "depth", "batch", "img", "java img/s",
                "torch img/s", "ratio");
        for (Case c : cases) {
            double j = java.get(c.name())[0];
            Double t = py.get(c.name());
            out.printf(Locale.ROOT, "%-14s %6d %6d %6d %10s %12.1f %12s %8s%n", c.name(), c.vit().dim(), c.vit().depth(), c.batch(),
                    c.vit().imgSize() + "/" + c.vit().patch(), j, t == null ? "n/a" : String.format(Locale.ROOT, "%.1f", t),
                    t == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", j / t));
        }
    }

    /** Returns {images/s, seconds per batch}. */
    static double[] measure(Case c, int warmup, int iterations) {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager base = NDManager.newBaseManager()) {
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
