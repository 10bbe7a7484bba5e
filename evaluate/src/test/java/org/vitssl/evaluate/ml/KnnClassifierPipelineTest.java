package org.vitssl.evaluate.ml;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.vitssl.evaluate.SparkTestBase;
import org.vitssl.evaluate.data.EmbeddingsTable;
import org.vitssl.evaluate.knn.KnnEvaluation;
import org.vitssl.evaluate.knn.KnnSearch;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KnnClassifier as an MLlib Estimator: Params, Pipeline composition, MulticlassClassificationEvaluator. */
class KnnClassifierPipelineTest extends SparkTestBase {

    /** Three overlapping Gaussian classes in 4-d (so accuracy is neither 0 nor 1). */
    static List<Row> blobs(Random r, int n, String prefix) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            float[] f = new float[4];
            for (int j = 0; j < 4; j++) f[j] = (float) (r.nextGaussian() * 1.2 + (j == c ? 2 : 0));
            rows.add(row(prefix + String.format("%03d", i), c, f));
        }
        return rows;
    }

    @Test
    void paramsHaveDefaultsAndValidation() {
        KnnClassifier knn = new KnnClassifier();
        assertEquals(20, knn.getK());
        assertEquals(0.07, knn.getTemperature(), 0);
        assertEquals("features", knn.getOrDefault(knn.featuresCol()));
        assertEquals("prediction", knn.getOrDefault(knn.predictionCol()));
        assertTrue(knn.explainParams().contains("temperature"), knn.explainParams());
        assertEquals(12, knn.params().length);
        assertThrows(IllegalArgumentException.class, () -> knn.setK(0));
        assertThrows(IllegalArgumentException.class, () -> knn.setTemperature(0));
        assertThrows(IllegalArgumentException.class, () -> knn.setDevice("tpu"));
        KnnClassifier copy = knn.setK(7).copy(new ParamMap().put(knn.temperature().w(0.5)));
        assertEquals(7, copy.getK());
        assertEquals(0.5, copy.getTemperature(), 0);
        assertEquals(knn.uid(), copy.uid());
    }

    @Test
    void composesWithPipelineAndEvaluator() {
        Random r = new Random(5);
        Dataset<Row> train = table(blobs(r, 90, "tr"), 2)
                .withColumn("vec", org.apache.spark.ml.functions.array_to_vector(col("features")));
        Dataset<Row> test = table(blobs(r, 45, "te"), 2)
                .withColumn("vec", org.apache.spark.ml.functions.array_to_vector(col("features")));
        StandardScaler scaler = new StandardScaler().setInputCol("vec").setOutputCol("scaled");
        KnnClassifier knn = new KnnClassifier().setFeaturesCol("scaled").setK(10).setTemperature(0.07)
                .setQueryBlockRows(16).setShardRows(32).setBankPartitions(3).setDevice("cpu");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {scaler, knn}).fit(train);
        Dataset<Row> scored = model.transform(test);
        List<Row> out = scored.collectAsList();
        assertEquals(45, out.size());
        // the rows keep their order and columns; outputs appended
        List<Row> in = test.collectAsList();
        for (int i = 0; i < out.size(); i++) assertEquals(in.get(i).getString(0), out.get(i).getString(0));
        KnnClassificationModel km = (KnnClassificationModel) model.stages()[1];
        assertEquals(3, km.numClasses());
        for (Row row : out) {
            Vector raw = row.getAs("rawPrediction"), prob = row.getAs("probability");
            double pred = row.getAs("prediction");
            assertEquals(3, raw.size());
            assertEquals(raw.argmax(), (int) pred);
            double sum = 0;
            for (int j = 0; j < 3; j++) sum += prob.apply(j);
            assertEquals(1.0, sum, 1e-9);
        }
        double acc = new MulticlassClassificationEvaluator().setLabelCol("label").setPredictionCol("prediction")
                .setMetricName("accuracy").evaluate(scored);
        // same answer as the knn job's evaluation on the same (scaled) features
        Dataset<Row> scaledTrain = model.stages()[0].transform(train);
        Dataset<Row> scaledTest = model.stages()[0].transform(test);
        KnnEvaluation.Result r2 = KnnEvaluation.run(
                EmbeddingsTable.canonical(scaledTrain, "image_id", "label", "scaled"),
                new KnnEvaluation.TestSet(EmbeddingsTable.collect(
                        EmbeddingsTable.canonical(scaledTest, "image_id", "label", "scaled"), true, "test")),
                new int[] {10}, 0.07, new KnnSearch.Options(10, 64, 64, 0, 0, "cpu"), false, "train");
        assertEquals(r2.top1(0) / 100, acc, 1e-12);
        assertTrue(acc > 0.5 && acc < 1.0, "accuracy " + acc);
    }

    @Test
    void worksWithoutAnIdColumnAndWithDoubleFeatures() {
        // ids "" = bank row order; features as array<double>
        Dataset<Row> train = table(List.of(row("a", 0, 1f, 0f), row("b", 1, 0f, 1f), row("c", 1, 0.1f, 1f)), 1)
                .drop("image_id").withColumn("features", col("features").cast("array<double>"));
        KnnClassificationModel m = new KnnClassifier().setIdCol("").setK(1).fit(train);
        assertEquals(3, m.bankRows());
        Dataset<Row> q = table(List.of(row("q1", 0, 1f, 0.05f), row("q2", 1, 0f, 2f)), 1).drop("image_id");
        List<Row> out = m.setRawPredictionCol("").setProbabilityCol("").transform(q).collectAsList();
        assertEquals(List.of("label", "features", "prediction"), List.of(out.get(0).schema().fieldNames()));
        assertEquals(0.0, out.get(0).getDouble(2), 0);  // (1, 0.05) is nearest to a (1, 0)
        assertEquals(1.0, out.get(1).getDouble(2), 0);  // (0, 2) is nearest to b (0, 1)
    }

    @Test
    void transformChecksTheFeatureLength() {
        Dataset<Row> train = table(List.of(row("a", 0, 1f, 0f), row("b", 1, 0f, 1f)), 1);
        KnnClassificationModel m = new KnnClassifier().setK(1).fit(train);
        Dataset<Row> bad = table(List.of(row("q", 0, 1f, 0f, 0f)), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.transform(bad));
        assertTrue(e.getMessage().contains("has 3 values") && e.getMessage().contains("the bank has 2"), e.getMessage());
        // output columns that already exist are refused
        Dataset<Row> clash = table(List.of(row("q", 0, 1f, 0f)), 1).withColumn("prediction", col("label"));
        assertThrows(IllegalArgumentException.class, () -> m.transform(clash));
    }
}
