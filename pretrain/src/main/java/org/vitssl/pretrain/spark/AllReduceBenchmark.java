package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import org.vitssl.common.bench.Benchmark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code vitssl bench allreduce [ranks...] [floats:N,M] [reps:R]}: ring all-reduce throughput with N ranks as
 * threads of one JVM over loopback TCP (the same code path as between barrier tasks, minus the network). Prints
 * per size and N the time per call, the algorithm bandwidth (vector bytes / time) and the bus bandwidth
 * (2 (N-1)/N x vector bytes / time, what each rank actually sends).
 */
public final class AllReduceBenchmark implements Benchmark {
    @Override public String name() { return "allreduce"; }

    @Override public String summary() { return "ring all-reduce over loopback TCP: ms per call and GB/s by vector size and ranks"; }

    @Override
    public void run(Config config, String[] args, PrintStream out) throws Exception {
        List<Integer> ranks = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>(List.of(1 << 18, 1 << 22, 22_000_000));
        int reps = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("floats:")) {
                sizes.clear();
                for (String f : args[i].substring(7).split(",")) sizes.add(Integer.parseInt(f));
            } else if (args[i].startsWith("reps:")) {
                reps = Integer.parseInt(args[i].substring(5));
            } else {
                ranks.add(Integer.parseInt(args[i]));
            }
        }
        if (ranks.isEmpty()) ranks = List.of(2, 4);
        AllReduceSettings base = AllReduceSettings.fromConfig(config);
        AllReduceSettings s = new AllReduceSettings(base.bucketBytes(), base.timeout(), base.connectTimeout(), "127.0.0.1",
                base.socketBufferBytes());
        out.printf("ring all-reduce, loopback TCP, %d CPU cores, bucket %d KiB, %d calls after 1 warm-up%n",
                Runtime.getRuntime().availableProcessors(), s.bucketBytes() / 1024, reps);
        out.printf("%6s %12s %10s %12s %12s %12s%n", "ranks", "floats", "MB", "ms/call", "algbw GB/s", "busbw GB/s");
        for (int n : ranks) {
            for (int len : sizes) {
                double ms = time(n, len, reps, s);
                double bytes = 4.0 * len;
                out.printf("%6d %12d %10.1f %12.2f %12.3f %12.3f%n", n, len, bytes / 1e6, ms,
                        bytes / (ms / 1e3) / 1e9, 2.0 * (n - 1) / n * bytes / (ms / 1e3) / 1e9);
            }
        }
    }

    /** Median milliseconds per call of an all-reduce of {@code len} floats across {@code n} thread ranks. */
    static double time(int n, int len, int reps, AllReduceSettings s) throws Exception {
        List<RingAllReduce.Listener> ls = new ArrayList<>();
        List<String> addrs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ls.add(RingAllReduce.listen(s));
            addrs.add(ls.get(r).address());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<double[]>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                int total = reps;
                fs.add(pool.submit(() -> {
                    try (RingAllReduce ring = ls.get(rank).connect(rank, addrs, 7L)) {
                        float[] v = new float[len];
                        java.util.Arrays.fill(v, rank);
                        ring.sum(v);
                        double[] t = new double[total];
                        for (int i = 0; i < total; i++) {
                            long t0 = System.nanoTime();
                            ring.sum(v);
                            t[i] = (System.nanoTime() - t0) / 1e6;
                        }
                        return t;
                    }
                }));
            }
            double[] t0 = null;
            for (Future<double[]> f : fs) {
                double[] t = f.get(30, TimeUnit.MINUTES);
                if (t0 == null) t0 = t;
            }
            java.util.Arrays.sort(t0);
            return t0[t0.length / 2];
        } finally {
            pool.shutdownNow();
        }
    }
}
