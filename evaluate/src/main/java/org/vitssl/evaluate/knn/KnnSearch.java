package org.vitssl.evaluate.knn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.vitssl.evaluate.data.EmbeddingsTable;
import scala.Tuple2;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Exact distributed top-k search by cosine similarity.
 *
 * <p>The bank (a canonical embeddings view, see {@link EmbeddingsTable#canonical}) stays distributed:
 * each Spark partition is a shard, read in chunks of at most {@code shardRows} rows. The queries are
 * broadcast. For each chunk and each block of at most {@code queryBlockRows} queries a task computes
 * the (block x chunk) similarity matrix with one float32 matrix multiply (PyTorch through DJL) and
 * takes its top-k ({@code topK}). Memory per task is therefore bounded by configuration: the chunk
 * (shardRows x d floats), the block's similarity matrix (queryBlockRows x shardRows floats) plus the
 * running lists (queries x k), independent of the bank size.
 *
 * <p>Exactness: the float32 product only selects candidates. Every candidate is rescored with the
 * canonical similarity {@link KnnMath#dot} (double, fixed order), and a candidate is kept whenever its
 * float32 score is within twice the proven rounding bound {@link KnnMath#gemmErrorBound} of the
 * chunk's k-th float32 score (or within one bound of the running k-th canonical score). So the lists
 * hold exactly the k best bank rows under the canonical similarity and the total order (similarity
 * desc, image_id asc, label asc), whatever the partitioning, the blocking or the BLAS.
 * Partial lists of all shards merge by query block ({@link TopKBlock#merge}).
 */
public final class KnnSearch {
    /** Time split of the task-side work (nanoseconds), collected when {@code -Dvitssl.knn.profile=true} or {@link #profile}
     *  in local mode (the benchmark prints it): copy-in, matmul, topK, threshold count, rescoring. */
    public static final java.util.concurrent.atomic.LongAdder[] PROFILE = {
        new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
        new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
        new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()};
    public static final String[] PROFILE_NAMES = {"copy bank chunk in", "matmul", "topK", "threshold count", "rescore + merge",
        "candidate scan"};
    static volatile boolean PROFILING = Boolean.getBoolean("vitssl.knn.profile");

    /** Turns the time split on or off (local mode only: the counters live in this JVM). */
    public static void profile(boolean on) {
        if (on) for (java.util.concurrent.atomic.LongAdder a : PROFILE) a.reset();
        PROFILING = on;
    }

    private KnnSearch() {}

    /** Search parameters (from {@code vitssl.knn} or the MLlib Params). */
    public static final class Options implements Serializable {
        private static final long serialVersionUID = 1L;
        public final int k;
        public final int queryBlockRows;
        public final int shardRows;
        public final int bankPartitions;
        public final int torchThreads;
        public final String device;
        /** auto (native BLAS when netlib loaded one, else libtorch), blas or torch. */
        public final String backend;

        public Options(int k, int queryBlockRows, int shardRows, int bankPartitions, int torchThreads, String device) {
            this(k, queryBlockRows, shardRows, bankPartitions, torchThreads, device, "auto");
        }

        public Options(int k, int queryBlockRows, int shardRows, int bankPartitions, int torchThreads, String device,
                       String backend) {
            if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
            if (queryBlockRows < 1) throw new IllegalArgumentException("query block rows must be >= 1");
            if (shardRows < 1) throw new IllegalArgumentException("shard rows must be >= 1");
            this.k = k;
            this.queryBlockRows = queryBlockRows;
            this.shardRows = shardRows;
            this.bankPartitions = bankPartitions;
            this.torchThreads = torchThreads;
            this.device = device;
            this.backend = backend;
        }

        /** The same options with another k. */
        public Options withK(int newK) {
            return new Options(newK, queryBlockRows, shardRows, bankPartitions, torchThreads, device, backend);
        }
    }

    /** Whether MLlib's netlib BLAS is a native library here (JNIBLAS, e.g. OpenBLAS), not its Java fallback. */
    public static boolean nativeBlas() {
        try {
            return dev.ludovic.netlib.blas.BLAS.getInstance() instanceof dev.ludovic.netlib.blas.NativeBLAS;
        } catch (Throwable t) {
            return false;
        }
    }

    /** The backend {@code o} resolves to on this machine: "blas" or "torch". */
    public static String resolveBackend(Options o) {
        switch (o.backend == null ? "auto" : o.backend) {
            case "blas": return "blas";
            case "torch": return "torch";
            default:
                if ("gpu".equals(o.device)) return "torch";
                return nativeBlas() ? "blas" : "torch";
        }
    }

    /** Queries normalised and flattened (row-major, n x d), with their count and dimension. */
    public static final class Queries implements Serializable {
        private static final long serialVersionUID = 1L;
        public final float[] data;
        public final int n;
        public final int d;

        public Queries(float[] data, int n, int d) {
            this.data = data;
            this.n = n;
            this.d = d;
        }

        /** Normalises and flattens collected entries. */
        public static Queries of(EmbeddingsTable.Entry[] entries) {
            int d = entries[0].features.length;
            float[] flat = new float[entries.length * d];
            for (int i = 0; i < entries.length; i++) KnnMath.normalizeInto(entries[i].features, 0, flat, i * d, d);
            return new Queries(flat, entries.length, d);
        }

        public int blocks(int blockRows) {
            return (n + blockRows - 1) / blockRows;
        }
    }

    /**
     * The merged top-k lists, one {@link TopKBlock} per query block (key = block index). Blocks that
     * no shard touched (empty bank) are absent.
     */
    public static JavaPairRDD<Integer, TopKBlock> search(Dataset<Row> bankCanonical, Queries queries, Options o,
                                                         String bankName) {
        Dataset<Row> bank = bankCanonical;
        if (o.bankPartitions > 0 && bank.rdd().getNumPartitions() != o.bankPartitions) {
            bank = bank.repartition(o.bankPartitions);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(bank.sparkSession().sparkContext());
        Broadcast<Queries> bq = jsc.broadcast(queries);
        int nBlocks = queries.blocks(o.queryBlockRows);
        int reducers = Math.max(1, Math.min(nBlocks, jsc.defaultParallelism()));
        return bank.queryExecution().toRdd().toJavaRDD()
                .mapPartitionsToPair(rows -> searchShard(rows, bq.value(), o, bankName))
                .reduceByKey(TopKBlock::merge, reducers);
    }

    /** One shard: chunks of the bank partition against all query blocks. */
    static Iterator<Tuple2<Integer, TopKBlock>> searchShard(Iterator<InternalRow> rows, Queries q, Options o,
                                                            String bankName) {
        int d = q.d;
        int cap = o.shardRows;
        float[] chunk = null;
        String[] ids = null;
        int[] labels = null;
        int n = 0;
        List<Tuple2<Integer, TopKBlock>> out = new ArrayList<>();
        if (!rows.hasNext()) return out.iterator();
        try (ShardScorer scorer = new ShardScorer(q, o)) {
            while (rows.hasNext()) {
                InternalRow r = rows.next();
                EmbeddingsTable.Entry e = EmbeddingsTable.entry(r, d, true, bankName);
                if (chunk == null) {
                    chunk = new float[cap * d];
                    ids = new String[cap];
                    labels = new int[cap];
                }
                KnnMath.normalizeInto(e.features, 0, chunk, n * d, d);
                ids[n] = e.id;
                labels[n] = e.label;
                if (++n == cap) {
                    scorer.score(chunk, ids, labels, n);
                    n = 0;
                }
            }
            if (n > 0) scorer.score(chunk, ids, labels, n);
            TopKBlock[] blocks = scorer.blocks;
            for (int b = 0; b < blocks.length; b++) out.add(new Tuple2<>(b, blocks[b]));
        }
        return out.iterator();
    }

    /** Holds the NDManager of one task and the running lists of all query blocks. */
    static final class ShardScorer implements AutoCloseable {
        private final Queries q;
        private final Options o;
        private final NDManager base;
        private final double eps;
        private final boolean blas;
        private float[] simBuf;
        private float[] heap;
        private long[] cand = new long[1024];
        final TopKBlock[] blocks;

        ShardScorer(Queries q, Options o) {
            this.q = q;
            this.o = o;
            this.blas = "blas".equals(resolveBackend(o));
            if (blas) {
                this.base = null;
            } else {
                this.base = NDManager.newBaseManager(device(o.device), "PyTorch");
                if (o.torchThreads > 0) ai.djl.pytorch.jni.JniUtils.setNumThreads(o.torchThreads);
            }
            this.eps = KnnMath.gemmErrorBound(q.d);
            int nb = q.blocks(o.queryBlockRows);
            blocks = new TopKBlock[nb];
            for (int b = 0; b < nb; b++) {
                int first = b * o.queryBlockRows;
                blocks[b] = new TopKBlock(first, Math.min(o.queryBlockRows, q.n - first), o.k);
            }
        }

        /** Scores {@code rows} normalised bank rows against every query block. */
        void score(float[] chunk, String[] ids, int[] labels, int rows) {
            if (blas) {
                for (TopKBlock blk : blocks) scoreBlockBlas(blk, chunk, ids, labels, rows);
                return;
            }
            int d = q.d;
            try (NDManager m = base.newSubManager()) {
                long t0 = PROFILING ? System.nanoTime() : 0;
                NDArray bankT = m.create(FloatBuffer.wrap(chunk, 0, rows * d).slice(), new Shape(rows, d)).transpose();
                if (PROFILING) PROFILE[0].add(System.nanoTime() - t0);
                for (TopKBlock blk : blocks) {
                    try (NDManager bm = m.newSubManager()) {
                        scoreBlock(bm, bankT, blk, chunk, ids, labels, rows);
                    }
                }
            }
        }

        private void scoreBlock(NDManager bm, NDArray bankT, TopKBlock blk, float[] chunk, String[] ids, int[] labels,
                                int rows) {
            int d = q.d, b = blk.queries;
            NDArray qa = bm.create(FloatBuffer.wrap(q.data, blk.firstQuery * d, b * d).slice(), new Shape(b, d));
            long t0 = PROFILING ? System.nanoTime() : 0;
            NDArray sims = qa.matMul(bankT);
            long t1 = PROFILING ? System.nanoTime() : 0;
            int kk = Math.min(o.k, rows);
            NDList tk = sims.topK(kk, 1, true, true);
            float[] vals = tk.get(0).toFloatArray();
            long t2 = PROFILING ? System.nanoTime() : 0;
            float[] thr = new float[b];
            for (int i = 0; i < b; i++) {
                double t = vals[i * kk + kk - 1] - 2 * eps;
                if (blk.full(i)) t = Math.max(t, blk.kth(i) - eps);
                thr[i] = Math.nextDown((float) t);
            }
            long[] cnt = sims.gte(bm.create(thr, new Shape(b, 1))).sum(new int[] {1})
                    .toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
            int need = kk;
            for (long c : cnt) need = (int) Math.max(need, c);
            int kUsed = kk;
            if (need > kk) {
                tk = sims.topK(need, 1, true, true);
                kUsed = need;
            }
            long[] idx = tk.get(1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
            long t3 = PROFILING ? System.nanoTime() : 0;
            for (int i = 0; i < b; i++) {
                int qRow = (blk.firstQuery + i) * d;
                for (int j = 0; j < cnt[i]; j++) {
                    int r = (int) idx[i * kUsed + j];
                    double s = KnnMath.dot(q.data, qRow, chunk, r * d, d);
                    blk.offer(i, s, ids[r], labels[r]);
                }
            }
            if (PROFILING) {
                long t4 = System.nanoTime();
                PROFILE[1].add(t1 - t0);
                PROFILE[2].add(t2 - t1);
                PROFILE[3].add(t3 - t2);
                PROFILE[4].add(t4 - t3);
            }
        }

        /**
         * The same as {@link #scoreBlock} with netlib's sgemm and a selection in Java: S (block x rows,
         * row-major) = Q_block . chunk^T, then per query the kk-th largest float score (a min-heap of
         * kk; skipped once the query's list is full, when the running k-th score bounds alone), then every
         * entry at or above the threshold is rescored and offered, best first.
         */
        private void scoreBlockBlas(TopKBlock blk, float[] chunk, String[] ids, int[] labels, int rows) {
            int d = q.d, b = blk.queries;
            if (simBuf == null || simBuf.length < b * rows) simBuf = new float[Math.max(b, 1) * Math.max(rows, 1)];
            float[] sims = simBuf;
            long t0 = PROFILING ? System.nanoTime() : 0;
            dev.ludovic.netlib.blas.BLAS.getInstance().sgemm("T", "N", rows, b, d, 1f, chunk, 0, d,
                    q.data, blk.firstQuery * d, d, 0f, sims, 0, rows);
            long t1 = PROFILING ? System.nanoTime() : 0;
            int kk = Math.min(o.k, rows);
            if (heap == null || heap.length < kk) heap = new float[kk];
            long sel = 0, scan = 0;
            for (int i = 0; i < b; i++) {
                long s0 = PROFILING ? System.nanoTime() : 0;
                int base = i * rows;
                // A full list needs only candidates within eps of its k-th canonical score (one pass);
                // otherwise everything within 2 eps of the chunk's kk-th float score (a heap pass first).
                double t = blk.full(i) ? blk.kth(i) - eps : kthLargest(sims, base, rows, kk, heap) - 2 * eps;
                float thr = Math.nextDown((float) t);
                if (PROFILING) sel += System.nanoTime() - s0;
                int qRow = (blk.firstQuery + i) * d;
                // candidates as (order-preserving float bits, row) keys, best first after the sort, so
                // that offers mostly append and the rest is cut off as soon as it cannot enter
                int nc = 0;
                long c0 = PROFILING ? System.nanoTime() : 0;
                for (int r = 0; r < rows; r++) {
                    float g = sims[base + r];
                    if (g >= thr) {
                        if (nc == cand.length) cand = Arrays.copyOf(cand, 2 * nc);
                        cand[nc++] = ((long) sortableBits(g) << 32) | r;
                    }
                }
                if (PROFILING) scan += System.nanoTime() - c0;
                Arrays.sort(cand, 0, nc);
                for (int c = nc - 1; c >= 0; c--) {
                    int r = (int) cand[c];
                    float g = sims[base + r];
                    if (blk.full(i) && g < blk.kth(i) - eps) break;
                    blk.offer(i, KnnMath.dot(q.data, qRow, chunk, r * d, d), ids[r], labels[r]);
                }
            }
            if (PROFILING) {
                long t2 = System.nanoTime();
                PROFILE[1].add(t1 - t0);
                PROFILE[2].add(sel);
                PROFILE[5].add(scan);
                PROFILE[4].add(t2 - t1 - sel - scan);
            }
        }

        @Override public void close() {
            if (base != null) base.close();
        }
    }

    /** Float bits mapped so that signed int order equals float order (non-NaN). */
    static int sortableBits(float f) {
        int b = Float.floatToRawIntBits(f);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }

    /** The kk-th largest of v[from..from+n) (kk <= n), with {@code heap} (length >= kk) as scratch. */
    static float kthLargest(float[] v, int from, int n, int kk, float[] heap) {
        System.arraycopy(v, from, heap, 0, kk);
        for (int i = kk / 2 - 1; i >= 0; i--) siftDown(heap, i, kk);
        float min = heap[0];
        for (int r = kk; r < n; r++) {
            float x = v[from + r];
            if (x > min) {
                heap[0] = x;
                siftDown(heap, 0, kk);
                min = heap[0];
            }
        }
        return min;
    }

    private static void siftDown(float[] h, int i, int n) {
        float x = h[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && h[c + 1] < h[c]) c++;
            if (h[c] >= x) break;
            h[i] = h[c];
            i = c;
        }
        h[i] = x;
    }

    /** "cpu", "gpu" or "auto" (the first GPU when the engine has one, else the CPU). */
    static Device device(String name) {
        switch (name == null ? "auto" : name) {
            case "cpu": return Device.cpu();
            case "gpu": return Device.gpu();
            default:
                return Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        }
    }
}
