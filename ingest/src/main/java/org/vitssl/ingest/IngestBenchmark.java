package org.vitssl.ingest;

import com.typesafe.config.Config;
import org.opencv.core.Mat;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.image.ImageCodec;
import org.vitssl.common.image.ImageException;
import org.vitssl.common.image.OpenCv;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vitssl bench ingest}: the per-image work of ingest with re-encoding (structure check + decode
 * to RGB, resize of the shorter side, JPEG encode) on ~500x375 photographs, in images per second per
 * core, beside Python PIL doing the same on the same files in the same run (ingest/bench/bench_ingest.py).
 */
public final class IngestBenchmark implements Benchmark {
    @Override public String name() { return "ingest"; }

    @Override public String summary() { return "decode + resize + JPEG encode, images/s per core, Java (OpenCV) vs Python PIL"; }

    @Override public void run(Config c, String[] args, PrintStream out) throws Exception {
        String k = "vitssl.bench.ingest";
        int threads = ConfigChecks.positiveInt(c, "vitssl.bench.threads");
        int count = ConfigChecks.positiveInt(c, k + ".count");
        int passes = ConfigChecks.positiveInt(c, k + ".passes");
        int side = ConfigChecks.positiveInt(c, k + ".shorter-side");
        int quality = ConfigChecks.intIn(c, k + ".jpeg-quality", 1, 100);
        File dir = new File(c.getString(k + ".images"));
        if (!dir.isAbsolute()) dir = new File(PythonCounterpart.repoRoot(), dir.getPath());
        File[] files = dir.listFiles((d, n) -> n.endsWith(".jpg"));
        if (files == null || files.length < count) {
            out.println("preparing " + count + " photographs in " + dir + " ...");
            out.print(PythonCounterpart.run("ingest/bench/make_bench_images.py", List.of(dir.getPath(), Integer.toString(count)), 1, 600));
            files = dir.listFiles((d, n) -> n.endsWith(".jpg"));
        }
        Arrays.sort(files);
        files = Arrays.copyOf(files, Math.min(count, files.length));
        List<byte[]> blobs = new ArrayList<>();
        long totalBytes = 0;
        for (File f : files) {
            byte[] b = Files.readAllBytes(f.toPath());
            blobs.add(b);
            totalBytes += b.length;
        }
        OpenCv.setThreads(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            runPass(pool, blobs, threads, side, quality); // warm-up (JIT, native library)
            long t0 = System.nanoTime();
            for (int p = 0; p < passes; p++) runPass(pool, blobs, threads, side, quality);
            double javaSec = (System.nanoTime() - t0) / 1e9;
            double javaRate = blobs.size() * (double) passes / javaSec;

            String py = PythonCounterpart.run("ingest/bench/bench_ingest.py",
                    List.of(dir.getPath(), Integer.toString(side), Integer.toString(quality), Integer.toString(passes),
                            Integer.toString(threads)), threads, 3600);
            Matcher m = Pattern.compile("images_per_s=([0-9.]+)").matcher(py);
            double pyRate = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;

            out.printf("ingest benchmark: %d JPEGs (mean %.0f KiB, ~500x375), resize shorter side to %d, JPEG quality %d, "
                    + "%d threads, %d timed passes%n", blobs.size(), totalBytes / 1024.0 / blobs.size(), side, quality, threads, passes);
            out.printf("%-34s %12s %16s%n", "implementation", "images/s", "images/s/core");
            out.printf("%-34s %12.1f %16.1f%n", "vitssl (Java, OpenCV)", javaRate, javaRate / threads);
            out.printf("%-34s %12.1f %16.1f%n", "Python PIL " + pilVersion(py), pyRate, pyRate / threads);
            out.printf("ratio Java / PIL: %.2f%n", javaRate / pyRate);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String pilVersion(String py) {
        Matcher m = Pattern.compile("pil=(\\S+)").matcher(py);
        return m.find() ? m.group(1) : "";
    }

    private static void runPass(ExecutorService pool, List<byte[]> blobs, int threads, int side, int quality) throws Exception {
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int start = t;
            fs.add(pool.submit(() -> {
                long sum = 0;
                for (int i = start; i < blobs.size(); i += threads) sum += work(blobs.get(i), side, quality);
                return sum;
            }));
        }
        for (Future<Long> f : fs) f.get();
    }

    /** Exactly what ingest does per file with re-encoding on. */
    static int work(byte[] b, int side, int quality) throws ImageException {
        Mat m = ImageCodec.decodeBgr(b, Long.MAX_VALUE);
        Mat r = ImageCodec.resizeShorterSide(m, side, true);
        try {
            return ImageCodec.encodeJpeg(r, quality).length;
        } finally {
            if (r != m) r.release();
            m.release();
        }
    }
}
