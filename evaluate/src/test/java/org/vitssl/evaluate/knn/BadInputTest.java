package org.vitssl.evaluate.knn;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;
import org.vitssl.evaluate.ml.KnnClassifier;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad embeddings tables fail with messages that name the column or the row. */
class BadInputTest extends SparkTestBase {

    static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) b.append(c.getMessage()).append(" | ");
        return b.toString();
    }

    @Test
    void missingColumnIsNamed() {
        Dataset<Row> df = table(List.of(row("a", 0, 1f, 2f)), 1).drop("features");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                EmbeddingsTable.checkColumns(df.schema(), "train embeddings table /x", "image_id", "label", "features"));
        assertTrue(e.getMessage().contains("missing column 'features'"), e.getMessage());
        assertTrue(e.getMessage().contains("/x"), e.getMessage());
        Dataset<Row> noLabel = table(List.of(row("a", 0, 1f, 2f)), 1).drop("label");
        Exception e2 = assertThrows(IllegalArgumentException.class, () -> new KnnClassifier().fit(noLabel));
        assertTrue(e2.getMessage().contains("missing column 'label'"), e2.getMessage());
    }

    @Test
    void wrongFeatureTypeIsNamed() {
        Dataset<Row> df = table(List.of(row("a", 0, 1f, 2f)), 1).withColumn("features", org.apache.spark.sql.functions.lit("x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                EmbeddingsTable.checkColumns(df.schema(), "t", "image_id", "label", "features"));
        assertTrue(e.getMessage().contains("column 'features' must be array<float>"), e.getMessage());
    }

    @Test
    void mismatchedLengthInTheBankNamesTheRow() {
        Dataset<Row> bank = EmbeddingsTable.canonical(table(List.of(
                row("b1", 0, 1f, 0f, 0f), row("b2", 1, 0f, 1f, 0f), row("b3", 1, 0f, 1f)), 2),
                "image_id", "label", "features");
        KnnEvaluation.TestSet q = new KnnEvaluation.TestSet(new EmbeddingsTable.Entry[] {
            new EmbeddingsTable.Entry("q", 0, new float[] {1f, 0f, 0f})});
        Exception e = assertThrows(Exception.class, () -> KnnEvaluation.run(bank, q, new int[] {1}, 0.07,
                new KnnSearch.Options(1, 4, 4, 0, 0, "cpu"), false, "train embeddings table /t"));
        String m = messages(e);
        assertTrue(m.contains("row image_id=b3 has 2 features, expected 3"), m);
        assertTrue(m.contains("train embeddings table /t"), m);
    }

    @Test
    void mismatchedLengthInTheQueriesNamesTheRow() {
        Dataset<Row> test = EmbeddingsTable.canonical(table(List.of(
                row("q1", 0, 1f, 0f, 0f), row("q2", 1, 0f, 1f)), 1), "image_id", "label", "features");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingsTable.collect(test, true, "test embeddings table /v"));
        assertTrue(e.getMessage().contains("row image_id=q2 has 2 features, expected 3"), e.getMessage());
    }

    @Test
    void nullsAndNonFiniteValuesNameTheRow() {
        Dataset<Row> nullLabel = EmbeddingsTable.canonical(table(List.of(row("q1", null, 1f, 0f)), 1),
                "image_id", "label", "features");
        String m = messages(assertThrows(Exception.class, () -> EmbeddingsTable.collect(nullLabel, true, "t")));
        assertTrue(m.contains("row image_id=q1 has a null label"), m);
        Dataset<Row> nan = EmbeddingsTable.canonical(table(List.of(row("q7", 1, 1f, Float.NaN)), 1),
                "image_id", "label", "features");
        m = messages(assertThrows(Exception.class, () -> EmbeddingsTable.collect(nan, true, "t")));
        assertTrue(m.contains("row image_id=q7 has a non-finite value NaN in features[1]"), m);
    }

    @Test
    void estimatorNamesRowsOfMismatchedLengths() {
        Dataset<Row> bank = table(List.of(row("b1", 0, 1f, 0f, 0f), row("b2", 1, 0f, 1f)), 1);
        String m = messages(assertThrows(IllegalArgumentException.class, () -> new KnnClassifier().fit(bank)));
        assertTrue(m.contains("image_id=b2 has 2 values") && m.contains("image_id=b1 has 3"), m);
    }
}
