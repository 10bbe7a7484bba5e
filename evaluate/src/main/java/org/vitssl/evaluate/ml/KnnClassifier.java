package org.vitssl.evaluate.ml;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.vitssl.evaluate.data.EmbeddingsTable;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;

/**
 * The DINO weighted k-NN as an MLlib Estimator: {@code fit} takes the bank (features + labels + ids),
 * the model's {@code transform} adds prediction, rawPrediction (class scores sum exp(s/T)) and
 * probability (scores normalised to sum 1) for each row. Composes with Pipelines and with
 * {@code MulticlassClassificationEvaluator}. The search is the exact distributed one of the knn job.
 *
 * <pre>{@code
 * KnnClassifier knn = new KnnClassifier().setK(20).setTemperature(0.07);
 * KnnClassificationModel model = knn.fit(train);        // train: image_id, label, features
 * Dataset<Row> scored = model.transform(test);          // + prediction, rawPrediction, probability
 * double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
 * }</pre>
 */
public final class KnnClassifier extends Estimator<KnnClassificationModel> {
    private static final long serialVersionUID = 1L;
    private final String uid;
    private final KnnParams p;

    public KnnClassifier() {
        this(Identifiable.randomUID("knnClassifier"));
    }

    public KnnClassifier(String uid) {
        this.uid = uid;
        this.p = new KnnParams(this);
        p.setDefaults(this::setDefault);
    }

    @Override public String uid() { return uid; }

    // Params (public accessors: MLlib discovers Params through them)
    public Param<String> featuresCol() { return p.featuresCol; }
    public Param<String> labelCol() { return p.labelCol; }
    public Param<String> idCol() { return p.idCol; }
    public Param<String> predictionCol() { return p.predictionCol; }
    public Param<String> rawPredictionCol() { return p.rawPredictionCol; }
    public Param<String> probabilityCol() { return p.probabilityCol; }
    public Param<String> device() { return p.device; }
    public IntParam k() { return p.k; }
    public IntParam queryBlockRows() { return p.queryBlockRows; }
    public IntParam shardRows() { return p.shardRows; }
    public IntParam bankPartitions() { return p.bankPartitions; }
    public DoubleParam temperature() { return p.temperature; }

    public KnnClassifier setFeaturesCol(String v) { set(p.featuresCol, v); return this; }
    public KnnClassifier setLabelCol(String v) { set(p.labelCol, v); return this; }
    public KnnClassifier setIdCol(String v) { set(p.idCol, v); return this; }
    public KnnClassifier setPredictionCol(String v) { set(p.predictionCol, v); return this; }
    public KnnClassifier setRawPredictionCol(String v) { set(p.rawPredictionCol, v); return this; }
    public KnnClassifier setProbabilityCol(String v) { set(p.probabilityCol, v); return this; }
    public KnnClassifier setDevice(String v) { set(p.device, v); return this; }
    public KnnClassifier setK(int v) { set(p.k, v); return this; }
    public KnnClassifier setQueryBlockRows(int v) { set(p.queryBlockRows, v); return this; }
    public KnnClassifier setShardRows(int v) { set(p.shardRows, v); return this; }
    public KnnClassifier setBankPartitions(int v) { set(p.bankPartitions, v); return this; }
    public KnnClassifier setTemperature(double v) { set(p.temperature, v); return this; }

    public int getK() { return (Integer) getOrDefault(p.k); }
    public double getTemperature() { return (Double) getOrDefault(p.temperature); }

    @Override public KnnClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String idc = getOrDefault(p.idCol);
        Dataset<Row> bank = EmbeddingsTable.canonical(dataset, idc, getOrDefault(p.labelCol), getOrDefault(p.featuresCol));
        Row stats = bank.agg(count(col(EmbeddingsTable.C_ID)), min(EmbeddingsTable.C_LABEL), max(EmbeddingsTable.C_LABEL),
                min(size(col(EmbeddingsTable.C_FEATURES))), max(size(col(EmbeddingsTable.C_FEATURES)))).first();
        long n = stats.getLong(0);
        if (n == 0) throw new IllegalArgumentException("KnnClassifier.fit: the bank dataset is empty");
        if (stats.isNullAt(1)) {
            throw new IllegalArgumentException("KnnClassifier.fit: column '" + getOrDefault(p.labelCol) + "' has only nulls");
        }
        int minLabel = stats.getInt(1), maxLabel = stats.getInt(2);
        if (minLabel < 0) {
            Row bad = bank.where(col(EmbeddingsTable.C_LABEL).lt(0)).first();
            throw new IllegalArgumentException("KnnClassifier.fit: column '" + getOrDefault(p.labelCol) + "' has a negative label "
                    + bad.getInt(1) + " in row " + getOrDefault(p.idCol) + "=" + bad.getString(0));
        }
        int dim = stats.getInt(4);
        if (stats.getInt(3) != dim) {
            Row a = bank.where(size(col(EmbeddingsTable.C_FEATURES)).equalTo(stats.getInt(3))).first();
            Row b = bank.where(size(col(EmbeddingsTable.C_FEATURES)).equalTo(dim)).first();
            throw new IllegalArgumentException("KnnClassifier.fit: column '" + getOrDefault(p.featuresCol)
                    + "' has mismatched lengths: row " + idName() + "=" + a.getString(0) + " has " + stats.getInt(3)
                    + " values, row " + idName() + "=" + b.getString(0) + " has " + dim);
        }
        KnnClassificationModel m = new KnnClassificationModel(uid, bank, maxLabel + 1, dim, n);
        return copyValues(m, ParamMap.empty()).setParent(this);
    }

    private String idName() {
        String idc = getOrDefault(p.idCol);
        return idc.isEmpty() ? "#" : idc;
    }

    @Override public StructType transformSchema(StructType schema) {
        String idc = getOrDefault(p.idCol);
        EmbeddingsTable.checkColumns(schema, "KnnClassifier input", idc.isEmpty() ? null : idc,
                getOrDefault(p.labelCol), getOrDefault(p.featuresCol));
        return schema;
    }

    @Override public KnnClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
