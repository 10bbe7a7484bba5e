package org.vitssl.evaluate.knn;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The weighted k-NN on an example small enough to do by hand.
 *
 * <pre>
 * bank (id: raw -> normalised, label)     queries (normalised, label)
 *   a: (1,0)  -> (1,0)      0               q1: (4,3) -> (0.8, 0.6)  1
 *   b: (0,1)  -> (0,1)      1               q2: (1,0) -> (1, 0)      0
 *   c: (3,4)  -> (0.6,0.8)  1               q3: (0,-1)-> (0, -1)     2
 *   d: (-1,0) -> (-1,0)     2
 *   e: (2,0)  -> (1,0)      3   (same direction as a: exact ties with a)
 *
 * cosine similarities:      a     b     c     d     e
 *   q1                     0.8   0.6   0.96 -0.8   0.8
 *   q2                     1     0     0.6  -1     1
 *   q3                     0    -1    -0.8   0     0
 * neighbour order = similarity desc, then image_id asc.
 * </pre>
 * T = 0.1, so weight = exp(10 s): exp(9.6) = 14764.78, exp(8) = 2980.96, exp(10) = 22026.47, exp(0) = 1.
 */
class KnnHandComputedTest extends SparkTestBase {

    private static Dataset<Row> bank() {
        return EmbeddingsTable.canonical(table(List.of(
                row("a", 0, 1f, 0f),
                row("b", 1, 0f, 1f),
                row("c", 1, 3f, 4f),
                row("d", 2, -1f, 0f),
                row("e", 3, 2f, 0f)), 2), "image_id", "label", "features");
    }

    private static KnnEvaluation.TestSet queries() {
        return new KnnEvaluation.TestSet(new EmbeddingsTable.Entry[] {
            new EmbeddingsTable.Entry("q1", 1, new float[] {4f, 3f}),
            new EmbeddingsTable.Entry("q2", 0, new float[] {1f, 0f}),
            new EmbeddingsTable.Entry("q3", 2, new float[] {0f, -1f})});
    }

    @Test
    void accuraciesAndPredictionsMatchTheHandComputation() {
        KnnSearch.Options o = new KnnSearch.Options(3, 2, 2, 0, 0, "cpu");
        KnnEvaluation.Result r = KnnEvaluation.run(bank(), queries(), new int[] {1, 3}, 0.1, o, true, "bank");
        // k = 1: q1 -> c (label 1, right); q2 -> a (tie a/e at s=1 broken by id: label 0, right);
        //        q3 -> a (tie a/d/e at s=0: label 0, wrong). top-1 = 2/3; top-5 looks at min(5, k) = 1 class: 2/3.
        assertEquals(200.0 / 3, r.top1(0), 1e-9);
        assertEquals(200.0 / 3, r.top5(0), 1e-9);
        // k = 3: q1: c (0.96, 1), a (0.8, 0), e (0.8, 3): scores 1: 14764.78, 0: 2980.96, 3: 2980.96 -> 1 (right)
        //        q2: a (1, 0), e (1, 3), c (0.6, 1): scores 0: 22026.47 = 3: 22026.47 (tie -> smaller label 0),
        //            1: 403.43 -> 0 (right); a majority vote would also say 0 here, but see q2 at k = 3 without e:
        //        q3: a, d, e (all s = 0, weight 1): 0: 1, 2: 1, 3: 1 -> tie -> 0 (wrong); label 2 is in the top 3.
        // top-1 = 2/3, top-5 = 3/3.
        assertEquals(200.0 / 3, r.top1(1), 1e-9);
        assertEquals(100.0, r.top5(1), 1e-9);
        Map<String, Integer> pred = new TreeMap<>();
        for (Row p : r.predictions.collect()) pred.put(p.getString(0) + "@" + p.getInt(1), p.getInt(2));
        assertEquals(Map.of("q1@1", 1, "q2@1", 0, "q3@1", 0, "q1@3", 1, "q2@3", 0, "q3@3", 0), pred);
        r.release();
    }

    @Test
    void weightsBeatTheMajority() {
        // Without e: q2's three neighbours are a (s = 1, label 0), c (0.6, 1), b (0, 1).
        // Majority: label 1 (two votes). Weighted: 0: exp(10) = 22026.47 > 1: exp(6) + exp(0) = 404.43 -> 0.
        Dataset<Row> bank = bank().where("_id != 'e'");
        KnnEvaluation.TestSet q = new KnnEvaluation.TestSet(new EmbeddingsTable.Entry[] {
            new EmbeddingsTable.Entry("q2", 0, new float[] {1f, 0f})});
        KnnEvaluation.Result r = KnnEvaluation.run(bank, q, new int[] {3}, 0.1, new KnnSearch.Options(3, 8, 8, 1, 0, "cpu"),
                false, "bank");
        assertEquals(100.0, r.top1(0), 1e-9);
        // With T = 100 the weights are nearly equal: exp(0.01) + exp(0.006) + ... label 1 has two votes
        // (exp(0.006) + exp(0) = 2.006) against label 0's exp(0.01) = 1.010 -> wrong.
        KnnEvaluation.Result flat = KnnEvaluation.run(bank, q, new int[] {3}, 100, new KnnSearch.Options(3, 8, 8, 1, 0, "cpu"),
                false, "bank");
        assertEquals(0.0, flat.top1(0), 1e-9);
    }

    @Test
    void scoresOfTheVote() {
        // q2 at k = 3 with e: class scores {0: e^10, 3: e^10, 1: e^6}, ranked 0, 3, 1.
        double[] sims = {1, 1, 0.6};
        int[] labels = {0, 3, 1};
        int[] classes = new int[3];
        double[] scores = new double[3];
        int n = KnnMath.rankClasses(sims, labels, 0, 3, 0.1, classes, scores);
        assertEquals(3, n);
        assertEquals(0, classes[0]);
        assertEquals(3, classes[1]);
        assertEquals(1, classes[2]);
        assertEquals(22026.465794806718, scores[0], 1e-6);
        assertEquals(403.4287934927351, scores[2], 1e-9);
    }
}
