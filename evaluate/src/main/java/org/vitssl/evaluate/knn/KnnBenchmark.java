package org.vitssl.evaluate.knn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.vitssl.common.bench.Benchmark;
import org.vitssl.common.bench.PythonCounterpart;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.spark.SparkSessions;
import org.vitssl.evaluate.data.EmbeddingsTable;
import org.vitssl.evaluate.util.TextTable;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;

/**
 * {@code vitssl bench knn [scale] [java-only]}: the exact distributed k-NN on a synthetic bank
 * (Gaussian features, random labels) against synthetic queries. Prints the machine's measured float32
 * matrix-multiply peak (libtorch through DJL, and MLlib's netlib BLAS for comparison), the achieved
 * GFLOP/s of the search (2 x bank x queries x dim per run), time against bank size and against
 * partitions, and the same brute force in PyTorch (bench/bench_knn.py: torch.mm + topk + vote) with
 * the ratio. {@code scale} runs the 1.28M x 384 bank against 50k queries.
 */
public final class KnnBenchmark implements Benchmark {
    static final String S = "vitssl.bench.knn";

    @Override public String name() { return "knn"; }

    @Override public String summary() {
        return "exact distributed k-NN: GFLOP/s vs measured matmul peak, time vs bank size and partitions, vs torch";
    }

    @Override public void run(Config config, String[] args, PrintStream out) throws Exception {
        List<String> a = Arrays.asList(args);
        boolean scale = a.contains("scale");
        boolean python = config.getBoolean(S + ".python") && !a.contains("java-only") && PythonCounterpart.available();
        int threads = ConfigChecks.positiveInt(config, "vitssl.bench.threads");
        int dim = ConfigChecks.positiveInt(config, S + ".dim");
        int bankRows = scale ? 1_280_000 : ConfigChecks.positiveInt(config, S + ".bank-rows");
        int queries = scale ? 50_000 : ConfigChecks.positiveInt(config, S + ".queries");
        if (scale && a.contains("scale-queries-5k")) queries = 5_000;
        int classes = ConfigChecks.positiveInt(config, S + ".classes");
        int k = ConfigChecks.positiveInt(config, S + ".k");
        long seed = config.getLong(S + ".seed");
        int sweepQueries = ConfigChecks.positiveInt(config, S + ".sweep-queries");
        List<Integer> bankSweep = config.getIntList(S + ".bank-sweep");
        List<Integer> partSweep = config.getIntList(S + ".partition-sweep");
        KnnSettings ks = KnnSettings.searchOnly(config);

        out.printf(Locale.ROOT, "bench knn: %d cores available, %d threads used; dim %d, k %d%n",
                Runtime.getRuntime().availableProcessors(), threads, dim, k);
        int peakN = ConfigChecks.positiveInt(config, S + ".peak-size");
        double peakTorch = torchPeak(peakN, dim, threads);
        int blasN = KnnSearch.nativeBlas() ? peakN : Math.min(peakN, 1024);
        double peakBlas = blasPeak(blasN, dim);
        String blasName = dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getSimpleName();
        TextTable peaks = new TextTable("matrix multiply (float32)", "shape", "GFLOP/s");
        peaks.row("libtorch via DJL (backend torch)", peakN + "x" + dim + " * " + dim + "x" + peakN, fmt(peakTorch));
        peaks.row("netlib BLAS (" + blasName + ", Spark MLlib; backend blas)", blasN + "x" + dim + " * " + dim + "x"
                + blasN, fmt(peakBlas));
        out.println(peaks);
        double peak = Math.max(peakTorch, peakBlas);

        SparkSession spark = SparkSessions.getOrCreate(config, "bench knn");
        int parts = Math.max(threads, 1);
        int[] dinoKs = {10, 20, 100, k};
        dinoKs = Arrays.stream(dinoKs).filter(x -> x <= k).sorted().distinct().toArray();

        String backend = ks.search.backend;
        TextTable main = new TextTable("run", "backend", "bank", "queries", "partitions", "seconds", "GFLOP/s", "% of peak", "top1 k=" + k);
        List<double[]> pyRuns = new ArrayList<>();
        double[] r = timeRun(spark, ks, backend, bankRows, queries, dim, classes, dinoKs, parts, threads, seed, out);
        main.row("main", KnnSearch.resolveBackend(ks.search), bankRows, queries, parts, fmt(r[0]), fmt(r[1]), fmt(100 * r[1] / peak), fmt(r[2]));
        pyRuns.add(new double[] {bankRows, queries, r[0]});
        if (!scale) {
            for (String be : new String[] {"blas", "torch"}) {
                double[] x = timeRun(spark, ks, be, bankRows, sweepQueries, dim, classes, dinoKs, parts, threads, seed, out);
                main.row("backend", be, bankRows, sweepQueries, parts, fmt(x[0]), fmt(x[1]), fmt(100 * x[1] / peak), fmt(x[2]));
            }
            for (int n : bankSweep) {
                double[] x = timeRun(spark, ks, backend, n, sweepQueries, dim, classes, dinoKs, parts, threads, seed, out);
                main.row("bank size", KnnSearch.resolveBackend(ks.search), n, sweepQueries, parts, fmt(x[0]), fmt(x[1]), fmt(100 * x[1] / peak), fmt(x[2]));
            }
            for (int p : partSweep) {
                double[] x = timeRun(spark, ks, backend, bankRows, sweepQueries, dim, classes, dinoKs, p, threads, seed, out);
                main.row("partitions", KnnSearch.resolveBackend(ks.search), bankRows, sweepQueries, p, fmt(x[0]), fmt(x[1]), fmt(100 * x[1] / peak), fmt(x[2]));
            }
        }
        out.println("exact distributed k-NN (search + vote for k in " + Arrays.toString(dinoKs) + "), Spark "
                + spark.sparkContext().master() + ", data cached in memory before timing");
        out.println(main);

        if (python) {
            TextTable cmp = new TextTable("bank", "queries", "vitssl (s)", "torch.mm+topk (s)", "torch GFLOP/s",
                    "torch peak GFLOP/s", "vitssl / torch time");
            for (double[] run : pyRuns) {
                String o = PythonCounterpart.run("evaluate/bench/bench_knn.py", List.of(
                        "--bank", Integer.toString((int) run[0]), "--queries", Integer.toString((int) run[1]),
                        "--dim", Integer.toString(dim), "--k", Integer.toString(k), "--classes", Integer.toString(classes),
                        "--threads", Integer.toString(threads), "--peak-size", Integer.toString(peakN)), threads, 3600);
                double pySec = field(o, "seconds"), pyG = field(o, "gflops"), pyPeak = field(o, "peak_gflops");
                cmp.row((int) run[0], (int) run[1], fmt(run[2]), fmt(pySec), fmt(pyG), fmt(pyPeak), fmt(run[2] / pySec));
            }
            out.println("side by side with PyTorch (single process, brute force, same sizes and threads)");
            out.println(cmp);
        }
    }

    /** Runs the evaluation once on cached synthetic data; returns {seconds, GFLOP/s, top1 at max k}. */
    static double[] timeRun(SparkSession spark, KnnSettings ks, String backend, int bankRows, int queries, int dim, int classes,
                            int[] kList, int parts, int threads, long seed, PrintStream out) {
        Dataset<Row> bank = synthetic(spark, bankRows, dim, classes, seed, parts, "b").cache();
        bank.count();
        Dataset<Row> q = synthetic(spark, queries, dim, classes, seed + 1, Math.max(1, parts), "q");
        KnnEvaluation.TestSet test = new KnnEvaluation.TestSet(EmbeddingsTable.collect(q, true, "queries"));
        int torchThreads = Math.max(1, threads / Math.min(parts, threads));
        KnnSearch.Options o = new KnnSearch.Options(kList[kList.length - 1], ks.search.queryBlockRows, ks.search.shardRows,
                0, torchThreads, ks.search.device, backend);
        KnnSearch.profile(true);
        long t0 = System.nanoTime();
        KnnEvaluation.Result r = KnnEvaluation.run(bank, test, kList, 0.07, o, false, "synthetic bank");
        double sec = (System.nanoTime() - t0) / 1e9;
        KnnSearch.profile(false);
        bank.unpersist(true);
        double gflop = 2.0 * bankRows * (double) queries * dim / 1e9;
        StringBuilder split = new StringBuilder();
        for (int i = 0; i < KnnSearch.PROFILE.length; i++) {
            split.append(String.format(Locale.ROOT, "%s%s %.2f s", i == 0 ? "" : ", ", KnnSearch.PROFILE_NAMES[i],
                    KnnSearch.PROFILE[i].sum() / 1e9));
        }
        out.printf(Locale.ROOT, "  bank %d x queries %d, %d partitions, backend %s: %.2f s (%.1f GFLOP/s); task time split: %s%n",
                bankRows, queries, parts, KnnSearch.resolveBackend(o), sec, gflop / sec, split);
        return new double[] {sec, gflop / sec, r.top1(kList.length - 1)};
    }

    /** A canonical view of n Gaussian rows with random labels; the same rows for the same seed. */
    static Dataset<Row> synthetic(SparkSession spark, int n, int dim, int classes, long seed, int parts, String prefix) {
        UDF1<Long, float[]> gen = id -> {
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + id);
            float[] f = new float[dim];
            for (int j = 0; j < dim; j++) f[j] = (float) gaussian(r);
            return f;
        };
        String name = "vitssl_bench_gen_" + dim + "_" + Math.abs(seed);
        spark.udf().register(name, gen, DataTypes.createArrayType(DataTypes.FloatType, false));
        return spark.range(0, n, 1, parts).select(
                org.apache.spark.sql.functions.concat(org.apache.spark.sql.functions.lit(prefix), col("id").cast("string"))
                        .as(EmbeddingsTable.C_ID),
                org.apache.spark.sql.functions.pmod(org.apache.spark.sql.functions.hash(col("id"),
                        org.apache.spark.sql.functions.lit(seed)), org.apache.spark.sql.functions.lit(classes))
                        .cast("int").as(EmbeddingsTable.C_LABEL),
                callUDF(name, col("id")).as(EmbeddingsTable.C_FEATURES));
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Best of 5 float32 (n x d) * (d x n) products in libtorch, GFLOP/s. */
    static double torchPeak(int n, int d, int threads) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
            NDArray a = m.randomNormal(new Shape(n, d));
            NDArray b = m.randomNormal(new Shape(d, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                try (NDManager s = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.attach(s);
                    c.getFloat(0, 0); // forces completion
                    double t = (System.nanoTime() - t0) / 1e9;
                    if (i > 0) best = Math.min(best, t);
                }
            }
            return 2.0 * n * (double) n * d / best / 1e9;
        }
    }

    /** Best of 3 sgemm calls of MLlib's netlib BLAS, GFLOP/s. */
    static double blasPeak(int n, int d) {
        dev.ludovic.netlib.blas.BLAS blas = dev.ludovic.netlib.blas.BLAS.getInstance();
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[n * d], b = new float[d * n], c = new float[n * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            blas.sgemm("N", "N", n, n, d, 1f, a, n, b, d, 0f, c, n);
            double t = (System.nanoTime() - t0) / 1e9;
            if (i > 0) best = Math.min(best, t);
        }
        return 2.0 * n * (double) n * d / best / 1e9;
    }

    private static double field(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith("RESULT ")) {
                for (String kv : line.substring(7).trim().split(" ")) {
                    String[] p = kv.split("=");
                    if (p[0].equals(key)) return Double.parseDouble(p[1]);
                }
            }
        }
        throw new IllegalStateException("bench_knn.py printed no " + key + ":\n" + text);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
