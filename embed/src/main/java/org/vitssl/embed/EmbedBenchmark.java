package org.vitssl.embed;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code vitssl bench embed [images-per-case]}: the embed pipeline of one executor (decode, evaluation
 * transform, batched ViT forward, CLS) in images/s, against PIL + torchvision + PyTorch eager doing the
 * same on the same files with the same threads (embed/bench/bench_embed.py).
 * Arguments: [images per case, default 768] [batch, default 256] [case name filter].
 */
public final class EmbedBenchmark implements Benchmark {
    private static final double[] MEAN = {0.485, 0.456, 0.406}, STD = {0.229, 0.224, 0.225};

    private record Case(String name, int dim, int depth, int heads, int patch, int img, int resize, boolean small) {
        String spec() { return name + ":" + dim + ":" + depth + ":" + heads + ":" + patch + ":" + img + ":" + resize + ":" + img; }
    }

    @Override public String name() { return "embed"; }

    @Override public String summary() { return "embed throughput (decode + eval transform + ViT forward) vs PyTorch"; }

    @Override public void run(Config config, String[] args, PrintStream out) throws Exception {
        int threads = config.getInt("vitssl.bench.threads");
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 768;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        String only = args.length > 2 ? args[2] : "";
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        File dir = Files.createTempDirectory("vitssl-bench-embed").toFile();
        File photos = new File(dir, "photos"), small = new File(dir, "small");
        PythonCounterpart.run("ingest/bench/make_bench_images.py", List.of(photos.getPath(), Integer.toString(count)), 1, 600);
        PythonCounterpart.run("embed/bench/bench_embed.py", List.of("--prepare-small", photos.getPath(), small.getPath(), "32"), 1, 600);
        List<Case> cases = List.of(
                new Case("vit-d4-dim192-p4-32px", 192, 4, 3, 4, 32, 32, true),
                new Case("vit-d12-dim192-p4-32px", 192, 12, 3, 4, 32, 32, true),
                new Case("vit-s16-224px", 384, 12, 6, 16, 224, 256, false));
        out.printf("embed benchmark: %d images per case, batch %d, %d threads both sides, CPU, warm-up 1 batch%n", count, batch, threads);
        out.printf("%-26s %14s %14s %8s%n", "case", "vitssl img/s", "pytorch img/s", "ratio");
        for (Case c : cases) {
            if (!only.isEmpty() && !c.name.contains(only)) continue;
            File imgDir = c.small ? small : photos;
            double java = javaRate(c, imgDir, batch);
            String py = PythonCounterpart.run("embed/bench/bench_embed.py", List.of("--threads", Integer.toString(threads),
                    "--batch", Integer.toString(batch), "--warmup", "1", c.spec(), imgDir.getPath()), threads, 3600).trim();
            String[] lastLine = py.split("\n");
            double torch = Double.parseDouble(lastLine[lastLine.length - 1].split(" ")[1]);
            out.printf("%-26s %14.1f %14.1f %7.2fx%n", c.name, java, torch, java / torch);
        }
        out.println("engine threads: " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    }

    private static double javaRate(Case c, File imgDir, int batch) throws Exception {
        File[] files = imgDir.listFiles();
        Arrays.sort(files);
        List<byte[]> bytes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (File f : files) {
            bytes.add(Files.readAllBytes(f.toPath()));
            ids.add(f.getName());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            VisionTransformer vit = VisionTransformer.create(ViTConfig.of(c.dim, c.depth, c.heads, c.patch, c.img), m);
            vit.freezeParameters(true);
            BatchEmbedder e = new BatchEmbedder(vit, m, new EvalTransform(c.resize, c.img, true, MEAN, STD), FeatureKind.CLS, 1);
            e.embed(bytes.subList(0, Math.min(batch, bytes.size())), ids);
            int start = Math.min(batch, bytes.size() - 1);
            long t0 = System.nanoTime();
            int n = 0;
            for (int i = start; i < bytes.size(); i += batch) {
                int j = Math.min(bytes.size(), i + batch);
                e.embed(bytes.subList(i, j), ids.subList(i, j));
                n += j - i;
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
