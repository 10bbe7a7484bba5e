package org.vitssl.evaluate.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vitssl.common.io.HadoopFiles;

import java.io.Serializable;
import java.util.Arrays;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The embeddings table of DESIGN.md ({@code image_id} string, {@code label} int, {@code features}
 * array&lt;float&gt;), read and checked, and brought to one canonical shape that the k-NN engine and the
 * probe read: {@code _id} string, {@code _label} int, {@code _features} array&lt;float&gt;.
 *
 * <p>Accepted feature types: array&lt;float&gt;, array&lt;double&gt; (cast to float) and MLlib vectors.
 * Every error names the table and the column; row-level errors (null, wrong length, non-finite values)
 * name the row's id, raised where the row is read.
 */
public final class EmbeddingsTable {
    public static final String ID = "image_id";
    public static final String LABEL = "label";
    public static final String FEATURES = "features";
    public static final String CHECKPOINT = "checkpoint";

    /** Canonical column names after {@link #canonical}. */
    public static final String C_ID = "_id";
    public static final String C_LABEL = "_label";
    public static final String C_FEATURES = "_features";

    private EmbeddingsTable() {}

    /** Reads a Parquet embeddings table; fails naming the path if it is missing or lacks a column. */
    public static Dataset<Row> read(SparkSession spark, String path, String role) {
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        if (path == null || path.isBlank()) throw new IllegalArgumentException("the " + role + " embeddings table path is not set");
        if (!HadoopFiles.exists(path, hc)) {
            throw new IllegalArgumentException(role + " embeddings table " + path + " does not exist");
        }
        Dataset<Row> df = spark.read().parquet(path);
        checkColumns(df.schema(), role + " embeddings table " + path, ID, LABEL, FEATURES);
        return df;
    }

    /**
     * Checks that the columns exist with usable types. {@code labelCol} may be null (queries without
     * labels). Message example: {@code train embeddings table /x: missing column 'features' (has: image_id, label)}.
     */
    public static void checkColumns(StructType schema, String table, String idCol, String labelCol, String featuresCol) {
        if (idCol != null) {
            StructField f = field(schema, table, idCol);
            if (!(f.dataType() instanceof org.apache.spark.sql.types.StringType
                    || f.dataType() instanceof org.apache.spark.sql.types.IntegralType)) {
                throw new IllegalArgumentException(table + ": column '" + idCol + "' must be a string (or integer), got "
                        + f.dataType().simpleString());
            }
        }
        if (labelCol != null) {
            StructField f = field(schema, table, labelCol);
            if (!(f.dataType() instanceof NumericType)) {
                throw new IllegalArgumentException(table + ": column '" + labelCol + "' must be an integer class label, got "
                        + f.dataType().simpleString());
            }
        }
        StructField f = field(schema, table, featuresCol);
        boolean ok = f.dataType() instanceof VectorUDT
                || (f.dataType() instanceof ArrayType
                    && (((ArrayType) f.dataType()).elementType().equals(DataTypes.FloatType)
                        || ((ArrayType) f.dataType()).elementType().equals(DataTypes.DoubleType)));
        if (!ok) {
            throw new IllegalArgumentException(table + ": column '" + featuresCol
                    + "' must be array<float>, array<double> or an MLlib vector, got " + f.dataType().simpleString());
        }
    }

    private static StructField field(StructType schema, String table, String name) {
        for (StructField f : schema.fields()) if (f.name().equals(name)) return f;
        throw new IllegalArgumentException(table + ": missing column '" + name + "' (has: "
                + String.join(", ", schema.fieldNames()) + ")");
    }

    /**
     * The canonical view ({@code _id}, {@code _label}, {@code _features} array&lt;float&gt;). {@code idCol}
     * null or empty: ids are the row's position in the table, zero-padded so that string order is row
     * order. {@code labelCol} null: label -1 (queries whose labels are unknown).
     */
    public static Dataset<Row> canonical(Dataset<?> df, String idCol, String labelCol, String featuresCol) {
        Dataset<Row> d = df.toDF();
        if (idCol == null || idCol.isEmpty()) {
            d = withRowIndexId(d);
            idCol = C_ID;
        }
        StructType schema = d.schema();
        Column features;
        StructField ff = schema.apply(featuresCol);
        if (ff.dataType() instanceof VectorUDT) {
            features = org.apache.spark.ml.functions.vector_to_array(col(featuresCol), "float32");
        } else {
            features = col(featuresCol).cast(DataTypes.createArrayType(DataTypes.FloatType));
        }
        Column label = labelCol == null ? lit(-1) : col(labelCol).cast(DataTypes.IntegerType);
        return d.select(col(idCol).cast(DataTypes.StringType).as(C_ID), label.as(C_LABEL), features.as(C_FEATURES));
    }

    private static Dataset<Row> withRowIndexId(Dataset<Row> d) {
        StructType schema = d.schema().add(C_ID, DataTypes.StringType, false);
        JavaRDD<Row> rows = d.javaRDD().zipWithIndex().map(t -> {
            Row r = t._1();
            Object[] v = new Object[r.size() + 1];
            for (int i = 0; i < r.size(); i++) v[i] = r.get(i);
            v[r.size()] = String.format("%019d", t._2());
            return org.apache.spark.sql.RowFactory.create(v);
        });
        return d.sparkSession().createDataFrame(rows, schema);
    }

    /** One row of a canonical view, compact (no boxing), used for queries collected to the driver. */
    public static final class Entry implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String id;
        public final int label;
        public final float[] features;

        public Entry(String id, int label, float[] features) {
            this.id = id;
            this.label = label;
            this.features = features;
        }
    }

    /**
     * Reads the canonical row {@code r} (columns _id, _label, _features in this order) with the row-level
     * checks: no null id/label/features, no null or non-finite element, length {@code dim} (if > 0),
     * label >= 0 when {@code requireLabel}. {@code table} names the table in messages.
     */
    public static Entry entry(InternalRow r, int dim, boolean requireLabel, String table) {
        if (r.isNullAt(0)) throw new IllegalArgumentException(table + ": a row has a null image_id");
        String id = r.getUTF8String(0).toString();
        if (r.isNullAt(1)) throw new IllegalArgumentException(table + ": row image_id=" + id + " has a null label");
        int label = r.getInt(1);
        if (requireLabel && label < 0) {
            throw new IllegalArgumentException(table + ": row image_id=" + id + " has a negative label " + label);
        }
        if (r.isNullAt(2)) throw new IllegalArgumentException(table + ": row image_id=" + id + " has null features");
        float[] f = features(r.getArray(2), id, dim, table);
        return new Entry(id, label, f);
    }

    /** The feature array of a row with its checks; see {@link #entry}. */
    public static float[] features(ArrayData a, String id, int dim, String table) {
        int n = a.numElements();
        if (dim > 0 && n != dim) {
            throw new IllegalArgumentException(table + ": row image_id=" + id + " has " + n
                    + " features, expected " + dim + " (column features)");
        }
        if (n == 0) throw new IllegalArgumentException(table + ": row image_id=" + id + " has an empty features array");
        for (int j = 0; j < n; j++) {
            if (a.isNullAt(j)) throw new IllegalArgumentException(table + ": row image_id=" + id + " has a null in features[" + j + "]");
        }
        float[] f = a.toFloatArray();
        for (int j = 0; j < n; j++) {
            if (!Float.isFinite(f[j])) {
                throw new IllegalArgumentException(table + ": row image_id=" + id + " has a non-finite value "
                        + f[j] + " in features[" + j + "]");
            }
        }
        return f;
    }

    /** Collects a canonical view to the driver, checking every row (queries, small banks). */
    public static Entry[] collect(Dataset<Row> canonicalView, boolean requireLabel, String table) {
        JavaRDD<Entry> entries = canonicalView.queryExecution().toRdd().toJavaRDD()
                .map(r -> entry(r, 0, requireLabel, table));
        Entry[] all = entries.collect().toArray(new Entry[0]);
        if (all.length == 0) throw new IllegalArgumentException(table + " is empty");
        int dim = all[0].features.length;
        for (Entry e : all) {
            if (e.features.length != dim) {
                throw new IllegalArgumentException(table + ": row image_id=" + e.id + " has " + e.features.length
                        + " features, expected " + dim + " like row image_id=" + all[0].id + " (column features)");
            }
        }
        return all;
    }

    /** A readable list of columns, for messages. */
    public static String columns(StructType s) {
        return Arrays.toString(s.fieldNames());
    }
}
