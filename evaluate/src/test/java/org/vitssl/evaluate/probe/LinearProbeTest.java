package org.vitssl.evaluate.probe;

import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The linear probe on a linearly separable case, and the top-5 rank rule. */
class LinearProbeTest extends SparkTestBase {

    /** Four classes; class c has feature c = 3 + noise, others noise in [-0.5, 0.5]: separable by a margin. */
    static List<Row> separable(Random r, int n, String prefix) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            float[] f = new float[6];
            for (int j = 0; j < 6; j++) f[j] = (float) (r.nextDouble() - 0.5);
            f[c] += 3;
            rows.add(row(prefix + i, c, f));
        }
        return rows;
    }

    @Test
    void separableCaseIsLearnedExactly() {
        Random r = new Random(1);
        Dataset<Row> train = LinearProbe.withVector(EmbeddingsTable.canonical(table(separable(r, 120, "tr"), 2),
                "image_id", "label", "features"));
        Dataset<Row> test = LinearProbe.withVector(EmbeddingsTable.canonical(table(separable(r, 60, "te"), 2),
                "image_id", "label", "features"));
        PipelineModel m = LinearProbe.pipeline(new LinearProbe.Fit(1e-4, 0, 100, 1e-6, true)).fit(train);
        double[] acc = LinearProbe.accuracy(m, test);
        assertEquals(100.0, acc[0], 0);
        assertEquals(100.0, acc[1], 0);
        assertEquals(60, acc[2], 0);
        // a probe that cannot use the informative features (all replaced by noise) stays near chance
        Random r2 = new Random(2);
        List<Row> noise = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            float[] f = new float[6];
            for (int j = 0; j < 6; j++) f[j] = (float) r2.nextGaussian();
            noise.add(row("n" + i, i % 4, f));
        }
        Dataset<Row> nt = LinearProbe.withVector(EmbeddingsTable.canonical(table(noise, 2), "image_id", "label", "features"));
        double[] chance = LinearProbe.accuracy(LinearProbe.pipeline(new LinearProbe.Fit(1e-4, 0, 100, 1e-6, true)).fit(nt), test);
        assertTrue(chance[0] < 60, "noise-trained probe top-1 " + chance[0]);
    }

    @Test
    void rankOfTheLabel() {
        // probabilities 0.1, 0.4, 0.1, 0.4: class 1 first (tie with 3, smaller index), class 3 second,
        // class 0 third, class 2 fourth
        assertEquals(0, LinearProbe.rank(Vectors.dense(0.1, 0.4, 0.1, 0.4), 1));
        assertEquals(1, LinearProbe.rank(Vectors.dense(0.1, 0.4, 0.1, 0.4), 3));
        assertEquals(2, LinearProbe.rank(Vectors.dense(0.1, 0.4, 0.1, 0.4), 0));
        assertEquals(3, LinearProbe.rank(Vectors.dense(0.1, 0.4, 0.1, 0.4), 2));
        assertEquals(4, LinearProbe.rank(Vectors.dense(0.1, 0.4, 0.1, 0.4), 9));
    }
}
