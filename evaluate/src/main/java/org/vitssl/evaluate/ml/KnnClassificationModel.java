package org.vitssl.evaluate.ml;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.vitssl.evaluate.data.EmbeddingsTable;
import org.vitssl.evaluate.knn.KnnMath;
import org.vitssl.evaluate.knn.KnnSearch;
import org.vitssl.evaluate.knn.TopKBlock;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fitted k-NN: holds the bank (a canonical view of the fit dataset; cache it for repeated use)
 * and scores datasets with the exact distributed search. {@code transform} runs the search when it is
 * called and caches the scored result's inputs; the output keeps the input's rows and order and adds
 * the output columns. See {@link KnnClassifier}.
 */
public final class KnnClassificationModel extends Model<KnnClassificationModel> {
    private static final long serialVersionUID = 1L;
    private static final String QIDX = "_knn_row";
    private final String uid;
    private final KnnParams p;
    private final transient Dataset<Row> bank;
    private final int numClasses;
    private final int dim;
    private final long bankRows;

    KnnClassificationModel(String uid, Dataset<Row> bank, int numClasses, int dim, long bankRows) {
        this.uid = uid;
        this.p = new KnnParams(this);
        p.setDefaults(this::setDefault);
        this.bank = bank;
        this.numClasses = numClasses;
        this.dim = dim;
        this.bankRows = bankRows;
    }

    @Override public String uid() { return uid; }

    /** Number of classes (largest bank label + 1): the length of rawPrediction and probability. */
    public int numClasses() { return numClasses; }

    /** Feature dimension of the bank. */
    public int numFeatures() { return dim; }

    /** Rows in the bank. */
    public long bankRows() { return bankRows; }

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

    public KnnClassificationModel setFeaturesCol(String v) { set(p.featuresCol, v); return this; }
    public KnnClassificationModel setPredictionCol(String v) { set(p.predictionCol, v); return this; }
    public KnnClassificationModel setRawPredictionCol(String v) { set(p.rawPredictionCol, v); return this; }
    public KnnClassificationModel setProbabilityCol(String v) { set(p.probabilityCol, v); return this; }
    public KnnClassificationModel setK(int v) { set(p.k, v); return this; }
    public KnnClassificationModel setTemperature(double v) { set(p.temperature, v); return this; }
    public KnnClassificationModel setQueryBlockRows(int v) { set(p.queryBlockRows, v); return this; }
    public KnnClassificationModel setShardRows(int v) { set(p.shardRows, v); return this; }
    public KnnClassificationModel setBankPartitions(int v) { set(p.bankPartitions, v); return this; }
    public KnnClassificationModel setDevice(String v) { set(p.device, v); return this; }

    private String str(Param<String> x) { return getOrDefault(x); }

    @Override public StructType transformSchema(StructType schema) {
        EmbeddingsTable.checkColumns(schema, "KnnClassificationModel input", null, null, str(p.featuresCol));
        StructType out = schema;
        for (Param<String> c : List.of(p.predictionCol, p.rawPredictionCol, p.probabilityCol)) {
            String name = str(c);
            if (name.isEmpty()) continue;
            if (Arrays.asList(out.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("KnnClassificationModel: output column '" + name + "' (" + c.name()
                        + ") already exists in the input");
            }
            out = out.add(new StructField(name, c == p.predictionCol ? DataTypes.DoubleType : SQLDataTypes.VectorType(),
                    false, org.apache.spark.sql.types.Metadata.empty()));
        }
        return out;
    }

    @Override public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        Dataset<Row> in = dataset.toDF();
        StructType inSchema = in.schema();
        // Index the rows once and keep them: the queries collected and the rows joined must agree.
        JavaPairRDD<Long, Row> indexed = in.javaRDD().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1())).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> withIdx = in.sparkSession().createDataFrame(indexed.map(t -> {
            Object[] v = new Object[t._2().size() + 1];
            for (int i = 0; i < t._2().size(); i++) v[i] = t._2().get(i);
            v[v.length - 1] = t._1();
            return RowFactory.create(v);
        }), inSchema.add(QIDX, DataTypes.LongType, false));
        Dataset<Row> canonical = EmbeddingsTable.canonical(withIdx, QIDX, null, str(p.featuresCol));
        EmbeddingsTable.Entry[] entries = EmbeddingsTable.collect(canonical, false, "KnnClassificationModel input");
        if (entries[0].features.length != dim) {
            throw new IllegalArgumentException("KnnClassificationModel input: column '" + str(p.featuresCol) + "' has "
                    + entries[0].features.length + " values in row #" + entries[0].id + ", the bank has " + dim);
        }
        long[] rowOf = new long[entries.length];
        for (int i = 0; i < entries.length; i++) rowOf[i] = Long.parseLong(entries[i].id);
        KnnSearch.Queries q = KnnSearch.Queries.of(entries);
        int k = (Integer) getOrDefault(p.k);
        double t = (Double) getOrDefault(p.temperature);
        KnnSearch.Options o = new KnnSearch.Options(k, (Integer) getOrDefault(p.queryBlockRows),
                (Integer) getOrDefault(p.shardRows), (Integer) getOrDefault(p.bankPartitions), 0, str(p.device));
        JavaPairRDD<Integer, TopKBlock> blocks = KnnSearch.search(bank, q, o, "KnnClassificationModel bank");
        int nc = numClasses;
        JavaPairRDD<Long, double[]> scores = blocks.flatMapToPair(b -> {
            List<Tuple2<Long, double[]>> l = new ArrayList<>(b._2().queries);
            TopKBlock blk = b._2();
            int[] classes = new int[blk.k];
            double[] s = new double[blk.k];
            for (int i = 0; i < blk.queries; i++) {
                int n = KnnMath.rankClasses(blk.sims, blk.labels, i * blk.k, blk.counts[i], t, classes, s);
                double[] out = new double[nc + 1];
                for (int j = 0; j < n; j++) out[classes[j]] = s[j];
                out[nc] = n > 0 ? classes[0] : Double.NaN;
                l.add(new Tuple2<>(rowOf[blk.firstQuery + i], out));
            }
            return l.iterator();
        });
        String pc = str(p.predictionCol), rc = str(p.rawPredictionCol), prc = str(p.probabilityCol);
        JavaRDD<Row> rows = indexed.join(scores).sortByKey().values().map(pair -> {
            Row r = pair._1();
            double[] sc = pair._2();
            List<Object> v = new ArrayList<>(r.size() + 3);
            for (int i = 0; i < r.size(); i++) v.add(r.get(i));
            if (!pc.isEmpty()) v.add(sc[nc]);
            if (!rc.isEmpty()) v.add(Vectors.dense(Arrays.copyOf(sc, nc)));
            if (!prc.isEmpty()) {
                double sum = 0;
                for (int j = 0; j < nc; j++) sum += sc[j];
                double[] pr = new double[nc];
                for (int j = 0; j < nc; j++) pr[j] = sc[j] / sum;
                v.add(Vectors.dense(pr));
            }
            return RowFactory.create(v.toArray());
        });
        return in.sparkSession().createDataFrame(rows, outSchema);
    }

    @Override public KnnClassificationModel copy(ParamMap extra) {
        KnnClassificationModel m = new KnnClassificationModel(uid, bank, numClasses, dim, bankRows);
        return copyValues(m, extra).setParent(parent());
    }
}
