package org.vitssl.evaluate.knn;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distributed search against a plain single-machine brute force (written here from the
 * definition: normalise in double, cosine in double, sort by similarity desc then image_id asc), on
 * random data with many exact ties, for 1, 3 and 7 bank partitions and blocks/chunks that do not
 * divide the sizes.
 */
class KnnBruteForceTest extends SparkTestBase {
    static final int D = 8, BANK = 420, QUERIES = 37, CLASSES = 6, K = 25;
    static final int[] KS = {1, 5, 10, 25};
    static final double T = 0.07;

    /** Half the rows: 4 entries of +-1, rest 0 (normalised entries +-0.5, cosines exact multiples of 1/4:
     *  many exact ties); a quarter exact duplicates of earlier rows with other labels; the rest Gaussian. */
    static List<float[]> vectors(Random r, int n, List<float[]> dupSource) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[D];
            int kind = r.nextInt(4);
            if (kind <= 1) {
                int placed = 0;
                while (placed < 4) {
                    int j = r.nextInt(D);
                    if (v[j] == 0) { v[j] = r.nextBoolean() ? 1 : -1; placed++; }
                }
            } else if (kind == 2 && !dupSource.isEmpty()) {
                v = dupSource.get(r.nextInt(dupSource.size())).clone();
            } else {
                for (int j = 0; j < D; j++) v[j] = (float) r.nextGaussian();
            }
            out.add(v);
        }
        return out;
    }

    record Entry(String id, int label, float[] f) {}

    static float[] norm(float[] x) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        double n = Math.max(Math.sqrt(ss), 1e-12);
        float[] y = new float[x.length];
        for (int j = 0; j < x.length; j++) y[j] = (float) (x[j] / n);
        return y;
    }

    static double cos(float[] a, float[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += (double) a[j] * b[j];
        return s;
    }

    record Nb(double s, String id, int label) {}

    static List<Nb> bruteForce(List<Entry> bank, float[] q, int k) {
        float[] qn = norm(q);
        List<Nb> all = new ArrayList<>();
        for (Entry e : bank) all.add(new Nb(cos(qn, norm(e.f)), e.id, e.label));
        all.sort(Comparator.comparingDouble((Nb n) -> -n.s).thenComparing(Nb::id).thenComparingInt(Nb::label));
        return all.subList(0, Math.min(k, all.size()));
    }

    /** Predicted class and whether the label is in the top min(5,k) voted classes, from the definition. */
    static int[] vote(List<Nb> nbs, int k, int label) {
        Map<Integer, Double> score = new TreeMap<>();
        for (Nb n : nbs.subList(0, Math.min(k, nbs.size()))) score.merge(n.label, Math.exp(n.s / T), Double::sum);
        List<Map.Entry<Integer, Double>> ranked = new ArrayList<>(score.entrySet());
        ranked.sort((x, y) -> x.getValue().equals(y.getValue()) ? Integer.compare(x.getKey(), y.getKey())
                : Double.compare(y.getValue(), x.getValue()));
        boolean top5 = false;
        for (int i = 0; i < Math.min(Math.min(5, k), ranked.size()); i++) top5 |= ranked.get(i).getKey() == label;
        return new int[] {ranked.get(0).getKey(), top5 ? 1 : 0};
    }

    @Test
    void equalsBruteForceOnAnyPartitioning() {
        Random r = new Random(11);
        List<float[]> bv = vectors(r, BANK, new ArrayList<>());
        List<Entry> bank = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < BANK; i++) {
            // ids in a shuffled order so that row order, id order and partition order all differ
            String id = String.format("img-%04d", (i * 7919) % 10007);
            int label = r.nextInt(CLASSES);
            bank.add(new Entry(id, label, bv.get(i)));
            rows.add(row(id, label, bv.get(i)));
        }
        List<float[]> qv = vectors(r, QUERIES, bv);
        EmbeddingsTable.Entry[] qs = new EmbeddingsTable.Entry[QUERIES];
        for (int i = 0; i < QUERIES; i++) qs[i] = new EmbeddingsTable.Entry("q" + i, r.nextInt(CLASSES), qv.get(i));
        KnnEvaluation.TestSet test = new KnnEvaluation.TestSet(qs);

        // expected lists and accuracies
        List<List<Nb>> expected = new ArrayList<>();
        long[] c1 = new long[KS.length], c5 = new long[KS.length];
        int tiesAtBoundary = 0;
        for (int i = 0; i < QUERIES; i++) {
            List<Nb> nb = bruteForce(bank, qv.get(i), K);
            expected.add(nb);
            List<Nb> more = bruteForce(bank, qv.get(i), K + 1);
            if (more.get(K).s == more.get(K - 1).s) tiesAtBoundary++;
            for (int j = 0; j < KS.length; j++) {
                int[] v = vote(nb, KS[j], qs[i].label);
                if (v[0] == qs[i].label) c1[j]++;
                c5[j] += v[1];
            }
        }
        assertTrue(tiesAtBoundary >= 3, "the data must have exact ties at the k-th neighbour, got " + tiesAtBoundary);

        for (String backend : new String[] {"blas", "torch"})
        for (int parts : new int[] {1, 3, 7}) {
            Dataset<Row> b = EmbeddingsTable.canonical(table(rows, parts), "image_id", "label", "features");
            // chunks of 50 rows and blocks of 8 queries: neither divides the sizes
            KnnSearch.Options o = new KnnSearch.Options(K, 8, 50, parts, 0, "cpu", backend);
            List<scala.Tuple2<Integer, TopKBlock>> blocks = KnnSearch.search(b, test.queries, o, "bank").collect();
            assertEquals((QUERIES + 7) / 8, blocks.size());
            for (scala.Tuple2<Integer, TopKBlock> t : blocks) {
                TopKBlock blk = t._2();
                for (int q = 0; q < blk.queries; q++) {
                    List<Nb> exp = expected.get(blk.firstQuery + q);
                    assertEquals(exp.size(), blk.counts[q]);
                    for (int j = 0; j < exp.size(); j++) {
                        String where = backend + ", partitions " + parts + ", query " + (blk.firstQuery + q) + ", neighbour " + j;
                        assertEquals(exp.get(j).id, blk.ids[q * blk.k + j], where);
                        // the engine sums in eight interleaved chains, this test in one: equal to rounding
                        assertEquals(exp.get(j).s, blk.sims[q * blk.k + j], 1e-14, where);
                        assertEquals(exp.get(j).label, blk.labels[q * blk.k + j], where);
                    }
                }
            }
            KnnEvaluation.Result res = KnnEvaluation.run(b, test, KS, T, o, false, "bank");
            assertArrayEquals(c1, res.correct1, "top-1 counts, partitions " + parts);
            assertArrayEquals(c5, res.correct5, "top-5 counts, partitions " + parts);
        }
    }

    @Test
    void bankSmallerThanK() {
        List<Row> rows = new ArrayList<>();
        List<Entry> bank = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 6; i++) {
            float[] f = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
            rows.add(row("b" + i, i % 2, f));
            bank.add(new Entry("b" + i, i % 2, f));
        }
        float[] q = {0.3f, -1f, 2f};
        KnnEvaluation.TestSet test = new KnnEvaluation.TestSet(new EmbeddingsTable.Entry[] {new EmbeddingsTable.Entry("q", 1, q)});
        List<scala.Tuple2<Integer, TopKBlock>> blocks = KnnSearch.search(
                EmbeddingsTable.canonical(table(rows, 3), "image_id", "label", "features"), test.queries,
                new KnnSearch.Options(20, 4, 4, 0, 0, "cpu"), "bank").collect();
        TopKBlock blk = blocks.get(0)._2();
        assertEquals(6, blk.counts[0]);
        List<Nb> exp = bruteForce(bank, q, 20);
        for (int j = 0; j < 6; j++) assertEquals(exp.get(j).id, blk.ids[j]);
        assertTrue(Arrays.stream(blk.sims, 0, 6).allMatch(s -> s >= -1 && s <= 1));
    }
}
