package org.vitssl.evaluate.knn;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The DINO weighted k-NN evaluation: one exact top-kmax search ({@link KnnSearch}), then for every k
 * in the list the vote over the first k neighbours (weights exp(s/T), class score = sum of weights),
 * top-1 and top-5 accuracy, and optionally the per-image predictions.
 */
public final class KnnEvaluation {
    private KnnEvaluation() {}

    /** The test side: normalised queries plus their ids and labels. */
    public static final class TestSet implements Serializable {
        private static final long serialVersionUID = 1L;
        public final KnnSearch.Queries queries;
        public final String[] ids;
        public final int[] labels;

        public TestSet(EmbeddingsTable.Entry[] entries) {
            this.queries = KnnSearch.Queries.of(entries);
            this.ids = new String[entries.length];
            this.labels = new int[entries.length];
            for (int i = 0; i < entries.length; i++) {
                ids[i] = entries[i].id;
                labels[i] = entries[i].label;
            }
        }
    }

    /** Accuracy for each k (in percent) and, when asked, the predictions (not yet computed: lazy). */
    public static final class Result {
        public final int[] ks;
        public final long[] correct1;
        public final long[] correct5;
        public final long nTest;
        /** Rows (image_id, k, prediction, label); null unless predictions were asked for. */
        public final JavaRDD<Row> predictions;
        private final JavaPairRDD<Integer, TopKBlock> cached;

        Result(int[] ks, long[] c1, long[] c5, long nTest, JavaRDD<Row> predictions, JavaPairRDD<Integer, TopKBlock> cached) {
            this.ks = ks;
            this.correct1 = c1;
            this.correct5 = c5;
            this.nTest = nTest;
            this.predictions = predictions;
            this.cached = cached;
        }

        public double top1(int i) { return 100.0 * correct1[i] / nTest; }

        public double top5(int i) { return 100.0 * correct5[i] / nTest; }

        /** Releases the cached neighbour lists (after the predictions were written). */
        public void release() {
            if (cached != null) cached.unpersist(false);
        }
    }

    /**
     * Runs the evaluation. {@code bank} is a canonical view; {@code ks} ascending, all >= 1; the search
     * uses k = max(ks) (o.k is ignored and replaced).
     */
    public static Result run(Dataset<Row> bank, TestSet test, int[] ks, double temperature, KnnSearch.Options o,
                             boolean predictions, String bankName) {
        int kMax = Arrays.stream(ks).max().orElseThrow();
        KnnSearch.Options so = o.withK(kMax);
        JavaPairRDD<Integer, TopKBlock> blocks = KnnSearch.search(bank, test.queries, so, bankName);
        if (predictions) blocks = blocks.persist(StorageLevel.MEMORY_AND_DISK());
        int[] labels = test.labels;
        final int[] kss = ks.clone();
        long[] counts = blocks.map(t -> votes(t._2(), labels, kss, temperature))
                .fold(new long[2 * kss.length + 1], KnnEvaluation::add);
        int nk = ks.length;
        long[] c1 = Arrays.copyOfRange(counts, 0, nk);
        long[] c5 = Arrays.copyOfRange(counts, nk, 2 * nk);
        long covered = counts[2 * nk];
        if (covered != test.queries.n) {
            throw new IllegalStateException("k-NN search returned neighbours for " + covered + " of "
                    + test.queries.n + " queries; is " + bankName + " empty?");
        }
        JavaRDD<Row> preds = null;
        if (predictions) {
            String[] ids = test.ids;
            preds = blocks.flatMap(t -> predictionRows(t._2(), ids, labels, kss, temperature).iterator());
        }
        return new Result(ks, c1, c5, test.queries.n, preds, predictions ? blocks : null);
    }

    /** Correct top-1 counts per k, correct top-5 counts per k, then the number of queries covered. */
    static long[] votes(TopKBlock b, int[] testLabels, int[] ks, double temperature) {
        int nk = ks.length;
        long[] c = new long[2 * nk + 1];
        int[] classes = new int[b.k];
        double[] scores = new double[b.k];
        for (int q = 0; q < b.queries; q++) {
            int label = testLabels[b.firstQuery + q];
            for (int i = 0; i < nk; i++) {
                int k = Math.min(ks[i], b.counts[q]);
                int nv = KnnMath.rankClasses(b.sims, b.labels, q * b.k, k, temperature, classes, scores);
                if (nv > 0 && classes[0] == label) c[i]++;
                if (KnnMath.inTop5(classes, nv, ks[i], label)) c[nk + i]++;
            }
            c[2 * nk]++;
        }
        return c;
    }

    static List<Row> predictionRows(TopKBlock b, String[] ids, int[] testLabels, int[] ks, double temperature) {
        List<Row> out = new ArrayList<>(b.queries * ks.length);
        int[] classes = new int[b.k];
        double[] scores = new double[b.k];
        for (int q = 0; q < b.queries; q++) {
            for (int k : ks) {
                int kk = Math.min(k, b.counts[q]);
                int nv = KnnMath.rankClasses(b.sims, b.labels, q * b.k, kk, temperature, classes, scores);
                out.add(RowFactory.create(ids[b.firstQuery + q], k, nv > 0 ? classes[0] : -1, testLabels[b.firstQuery + q]));
            }
        }
        return out;
    }

    static long[] add(long[] a, long[] b) {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }
}
