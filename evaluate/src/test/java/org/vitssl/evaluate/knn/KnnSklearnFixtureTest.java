package org.vitssl.evaluate.knn;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Accuracy on sklearn's digits (PCA to 16 features) against the expected values written by
 * src/test/python/make_knn_fixture.py (sklearn NearestNeighbors + the vote in numpy, cross-checked
 * with sklearn's KNeighborsClassifier). Exact equality of the correct counts.
 */
class KnnSklearnFixtureTest extends SparkTestBase {

    static List<String[]> csv(String name) throws IOException {
        try (InputStream in = KnnSklearnFixtureTest.class.getResourceAsStream("/fixtures/knn/" + name)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String[]> rows = new ArrayList<>();
            String[] lines = text.split("\n");
            for (int i = 1; i < lines.length; i++) if (!lines[i].isBlank()) rows.add(lines[i].split(","));
            return rows;
        }
    }

    static float[] features(String[] r) {
        float[] f = new float[r.length - 2];
        for (int j = 2; j < r.length; j++) f[j - 2] = Float.parseFloat(r[j]);
        return f;
    }

    @Test
    void matchesSklearnAndNumpy() throws IOException {
        Config expected;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/knn/expected.json")) {
            expected = ConfigFactory.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Row> train = new ArrayList<>();
        for (String[] r : csv("train.csv")) train.add(row(r[0], Integer.parseInt(r[1]), features(r)));
        List<String[]> testRows = csv("test.csv");
        EmbeddingsTable.Entry[] test = new EmbeddingsTable.Entry[testRows.size()];
        for (int i = 0; i < test.length; i++) {
            String[] r = testRows.get(i);
            test[i] = new EmbeddingsTable.Entry(r[0], Integer.parseInt(r[1]), features(r));
        }
        assertEquals(expected.getInt("n_train"), train.size());
        assertEquals(expected.getInt("n_test"), test.length);
        int[] ks = expected.getIntList("ks").stream().mapToInt(Integer::intValue).toArray();
        KnnEvaluation.Result r = KnnEvaluation.run(
                EmbeddingsTable.canonical(table(train, 3), "image_id", "label", "features"),
                new KnnEvaluation.TestSet(test), ks, expected.getDouble("temperature"),
                new KnnSearch.Options(20, 128, 500, 0, 0, "cpu"), false, "digits train");
        List<Double> top1 = expected.getDoubleList("top1"), top5 = expected.getDoubleList("top5");
        List<Double> sk = expected.getDoubleList("sklearn_top1");
        for (int i = 0; i < ks.length; i++) {
            assertEquals(top1.get(i), r.top1(i), 1e-9, "top-1 at k=" + ks[i]);
            assertEquals(top5.get(i), r.top5(i), 1e-9, "top-5 at k=" + ks[i]);
            assertEquals(sk.get(i), r.top1(i), 1e-9, "sklearn KNeighborsClassifier top-1 at k=" + ks[i]);
        }
    }
}
