package org.vitssl.augment.bench;

import com.typesafe.config.Config;
import org.vitssl.augment.AugmentLoader;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.augment.MultiCropSettings;
import org.vitssl.augment.MultiCropTransform;
import org.vitssl.augment.View;
import org.vitssl.augment.transform.Normalize;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code vitssl bench augment [seconds:S] [photos:N] [workers:1,2,...] [batch:B] [kernels:true]}: the DINO multi-crop
 * recipe (vitssl.augment, defaults 2 x 224 + 8 x 96), JPEG decode and normalisation included, on N photos
 * of 500x375 made from python3-skimage's samples by augment/bench/bench_augment.py. Prints per-core
 * images/s of this implementation and of torchvision + PIL (the same script, same photos, one thread) and
 * their ratio, then the loader's images/s against the number of workers. With {@code kernels:true} it prints
 * instead the per-kernel CPU times of the view pipeline on the first photo ({@link KernelTimes}).
 */
public final class AugmentBenchmark implements Benchmark {
    static final String SCRIPT = "augment/bench/bench_augment.py";

    @Override public String name() { return "augment"; }

    @Override public String summary() { return "DINO multi-crop images/s per core vs torchvision+PIL; loader vs workers"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        double seconds = 15;
        int photos = 32, batch = 16;
        boolean kernels = false;
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> workers = new ArrayList<>();
        for (String a : args) {
            // name:value (the launcher reads name=value as a config override), name=value when run directly.
            String[] kv = a.split("[:=]", 2);
            if (kv.length != 2) throw new IllegalArgumentException("arguments look like seconds:15, got " + a);
            switch (kv[0]) {
                case "seconds": seconds = Double.parseDouble(kv[1]); break;
                case "photos": photos = Integer.parseInt(kv[1]); break;
                case "batch": batch = Integer.parseInt(kv[1]); break;
                case "kernels": kernels = Boolean.parseBoolean(kv[1]); break;
                case "workers": for (String w : kv[1].split(",")) workers.add(Integer.parseInt(w.trim())); break;
                default: throw new IllegalArgumentException("unknown argument " + kv[0]);
            }
        }
        if (workers.isEmpty()) for (int w = 1; w <= Math.max(2, cores); w *= 2) workers.add(w);
        MultiCropSettings s = MultiCropSettings.fromConfig(config);
        Path dir = Files.createTempDirectory("vitssl-bench-augment");
        try {
            String made = PythonCounterpart.run(SCRIPT, List.of("make", dir.toString(), Integer.toString(photos)), 1, 600);
            out.print(made);
            File[] files = dir.toFile().listFiles((d, n) -> n.endsWith(".jpg"));
            Arrays.sort(files);
            List<ImageRecord> images = new ArrayList<>();
            for (File f : files) images.add(new ImageRecord(f.getName(), 0, Files.readAllBytes(f.toPath())));
            OpenCv.load();
            if (kernels) {
                KernelTimes.print(out, images.get(0).bytes(), s, 0.5);
                return;
            }
            out.printf("resampling kernels: %s%n", org.vitssl.augment.transform.PilBicubic.vectorized()
                    ? "Vector API (jdk.incubator.vector)" : "scalar (no jdk.incubator.vector)");
            out.printf("recipe: %s, %d x %d + %d x %d, global scale %s, local scale %s; %d photos 500x375 JPEG; %d cores%n",
                    s.pipeline, s.globalCount, s.globalSize, s.localCount, s.localSize, Arrays.toString(s.globalScale),
                    Arrays.toString(s.localScale), images.size(), cores);

            // Alternate rounds of both sides so that a change of machine load hits both alike.
            double jImg = 0, jWall = 0, jCpu = 0, pImg = 0, pWall = 0, pCpu = 0;
            double round = seconds / ROUNDS;
            warmUp(images, s, Math.min(5, seconds / 2));
            for (int k = 0; k < ROUNDS; k++) {
                double[] j = singleThread(images, s, round);
                jImg += j[0]; jWall += j[1]; jCpu += j[2];
                String py = PythonCounterpart.run(SCRIPT, List.of("time", dir.toString(), Double.toString(round)), 1, 600);
                double[] p = parsePython(py);
                pImg += p[0]; pWall += p[1]; pCpu += p[2];
            }
            out.println();
            out.printf("| pipeline (1 thread, decode + %d views + normalise) | images/s (wall) | images per CPU-second |%n", s.viewCount());
            out.println("|---|---|---|");
            out.printf("| vitssl (OpenCV decode, PIL-exact kernels) | %.1f | %.1f |%n", jImg / jWall, jImg / jCpu);
            out.printf("| torchvision 0.14 + PIL 9.4 | %.1f | %.1f |%n", pImg / pWall, pImg / pCpu);
            out.printf("| ratio vitssl / torchvision | %.2fx | %.2fx |%n", (jImg / jWall) / (pImg / pWall), (jImg / jCpu) / (pImg / pCpu));
            out.println();
            out.println("| loader workers | batch | images/s (wall) | per worker | images per process CPU-second |");
            out.println("|---|---|---|---|---|");
            for (int w : workers) {
                double[] r = loader(images, s, w, batch, seconds);
                out.printf("| %d | %d | %.1f | %.1f | %.1f |%n", w, batch, r[0], r[0] / w, r[1]);
            }
        } finally {
            for (File f : dir.toFile().listFiles()) f.delete();
            dir.toFile().delete();
        }
    }

    /**
     * Runs the benchmark without the launcher: {@code java -cp ... AugmentBenchmark [-c file.conf] [key=value] [seconds=S ...]}
     * ({@code bin/vitssl bench augment} is the usual way).
     */
    public static void main(String[] args) throws Exception {
        String file = null;
        List<String> overrides = new ArrayList<>(), rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-c")) file = args[++i];
            else if (args[i].contains("=") && args[i].indexOf('.') >= 0 && args[i].indexOf('.') < args[i].indexOf('=')) overrides.add(args[i]);
            else rest.add(args[i]);
        }
        new AugmentBenchmark().run(org.vitssl.common.config.VitsslConfig.load(file, overrides),
                rest.toArray(new String[0]), System.out);
    }

    static final int ROUNDS = 3;

    static double[] parsePython(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("images=(\\d+) seconds=([0-9.]+) cpu_seconds=([0-9.]+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("unexpected output of " + SCRIPT + ":\n" + out);
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
    }

    static void warmUp(List<ImageRecord> images, MultiCropSettings s, double seconds) {
        singleThread(images, s, seconds);
    }

    /**
     * Decode + all views + normalisation of one image at a time, on the calling thread, for about
     * {@code seconds}; returns {images, wall seconds, CPU seconds of this thread}.
     */
    static double[] singleThread(List<ImageRecord> images, MultiCropSettings s, double seconds) {
        MultiCropTransform t = new MultiCropTransform(s);
        Normalize norm = t.normalize();
        float[] g = new float[3 * s.globalSize * s.globalSize], l = new float[3 * s.localSize * s.localSize];
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int n = 0;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            one(images.get(n % images.size()), t, norm, g, l, n);
            n++;
        }
        return new double[] {n, (System.nanoTime() - start) / 1e9, (mx.getCurrentThreadCpuTime() - cpu0) / 1e9};
    }

    private static void one(ImageRecord r, MultiCropTransform t, Normalize norm, float[] g, float[] l, int epoch) {
        Rgb8 img = OpenCv.decode(r.bytes());
        for (View v : t.apply(img, 0, epoch, r.imageId())) norm.toChw(v.pixels(), v.global() ? g : l, 0);
    }

    /** Whole epochs through the loader (repeated) for about {@code seconds}. */
    static double[] loader(List<ImageRecord> images, MultiCropSettings s, int workers, int batch, double seconds) {
        List<ImageRecord> many = new ArrayList<>();
        while (many.size() < Math.max(4 * batch * workers, 2 * images.size())) {
            for (ImageRecord r : images) many.add(new ImageRecord(r.imageId() + "#" + many.size(), 0, r.bytes()));
        }
        // Warm-up epoch.
        try (AugmentLoader l = new AugmentLoader(many.subList(0, Math.min(many.size(), batch * workers * 2)), s, 1, 0,
                batch, 0, workers, 2 * workers)) {
            while (l.hasNext()) l.next();
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long imgs = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        for (int epoch = 0; System.nanoTime() < end; epoch++) {
            try (AugmentLoader l = new AugmentLoader(many, s, 1, epoch, batch, 0, workers, 2 * workers)) {
                while (l.hasNext() && System.nanoTime() < end) {
                    MultiCropBatch b = l.next();
                    imgs += b.batchSize();
                }
            }
        }
        return new double[] {imgs / ((System.nanoTime() - start) / 1e9), imgs / ((os.getProcessCpuTime() - cpu0) / 1e9)};
    }
}
