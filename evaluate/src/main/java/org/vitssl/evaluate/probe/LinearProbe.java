package org.vitssl.evaluate.probe;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.vitssl.evaluate.data.EmbeddingsTable;

import static org.apache.spark.sql.functions.col;

/**
 * The linear probe: an MLlib Pipeline of StandardScaler and multinomial LogisticRegression (L-BFGS)
 * on frozen features. This is its own metric, reported as {@link #METRIC}; it is not the DINO linear
 * protocol (SGD on augmented crops for 100 epochs), whose feature choices come from the embed job.
 */
public final class LinearProbe {
    /** The name of this metric in every output. */
    public static final String METRIC = "linear probe (L-BFGS logistic regression)";
    public static final String VECTOR = "_vector";
    public static final String SCALED = "_scaled";

    private LinearProbe() {}

    /** The hyper-parameters of one fit. */
    public record Fit(double regParam, double elasticNet, int maxIter, double tol, boolean standardize) {}

    /** Adds the MLlib vector column {@value #VECTOR} to a canonical view (_id, _label, _features). */
    public static Dataset<Row> withVector(Dataset<Row> canonical) {
        return canonical.withColumn(VECTOR, org.apache.spark.ml.functions.array_to_vector(col(EmbeddingsTable.C_FEATURES)));
    }

    /** The (unfitted) pipeline: StandardScaler (mean and std, or identity) then multinomial LogisticRegression. */
    public static Pipeline pipeline(Fit f) {
        StandardScaler scaler = new StandardScaler().setInputCol(VECTOR).setOutputCol(SCALED)
                .setWithMean(f.standardize()).setWithStd(f.standardize());
        LogisticRegression lr = new LogisticRegression().setFamily("multinomial")
                .setFeaturesCol(SCALED).setLabelCol(EmbeddingsTable.C_LABEL)
                .setRegParam(f.regParam()).setElasticNetParam(f.elasticNet())
                .setMaxIter(f.maxIter()).setTol(f.tol())
                .setStandardization(false); // the scaler already did it (or was asked not to)
        return new Pipeline().setStages(new PipelineStage[] {scaler, lr});
    }

    /** Top-1 and top-5 accuracy (percent) of a fitted pipeline on a view with {@value #VECTOR}; [top1, top5, n]. */
    public static double[] accuracy(PipelineModel model, Dataset<Row> data) {
        Dataset<Row> p = model.transform(data).select(EmbeddingsTable.C_LABEL, "probability");
        long[] c = p.javaRDD().map(r -> {
            int label = r.getInt(0);
            Vector prob = r.getAs(1);
            return new long[] {rank(prob, label) == 0 ? 1 : 0, rank(prob, label) < 5 ? 1 : 0, 1};
        }).fold(new long[3], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
        if (c[2] == 0) return new double[] {Double.NaN, Double.NaN, 0};
        return new double[] {100.0 * c[0] / c[2], 100.0 * c[1] / c[2], c[2]};
    }

    /**
     * The rank of {@code label} when classes are sorted by probability desc, then index asc. A label
     * the model never saw (index beyond the vector) ranks last.
     */
    static int rank(Vector prob, int label) {
        int n = prob.size();
        if (label < 0 || label >= n) return n;
        double p = prob.apply(label);
        int rank = 0;
        for (int c = 0; c < n; c++) {
            double q = prob.apply(c);
            if (q > p || (q == p && c < label)) rank++;
        }
        return rank;
    }
}
