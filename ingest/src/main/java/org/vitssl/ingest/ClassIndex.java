package org.vitssl.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Label index: label {@code i} is {@code names.get(i)}. Folder inputs sort class names (Java string
 * order, as Python's {@code sorted} on ASCII names) to 0..C-1, as torchvision's ImageFolder does; record
 * inputs keep the numeric labels of the files. Train and val share one index; it is written as the
 * {@code classes} table (label, class_name) beside the shards.
 */
public final class ClassIndex implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String TABLE = "classes";
    public static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.IntegerType, false).add("class_name", DataTypes.StringType, false);

    private final List<String> names;
    private final Map<String, Integer> labels = new HashMap<>();

    public ClassIndex(List<String> names) {
        this.names = List.copyOf(names);
        for (int i = 0; i < names.size(); i++) {
            if (labels.put(names.get(i), i) != null) throw new IllegalArgumentException("duplicate class name " + names.get(i));
        }
    }

    /** Folder classes: sorted names to 0..C-1. */
    public static ClassIndex ofSortedNames(Collection<String> names) {
        return new ClassIndex(new ArrayList<>(new TreeSet<>(names)));
    }

    public int size() { return names.size(); }

    public List<String> names() { return names; }

    public String name(int label) { return names.get(label); }

    /** The label of a class name, or -1. */
    public int label(String name) {
        Integer l = labels.get(name);
        return l == null ? -1 : l;
    }

    public void write(SparkSession spark, String dir) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) rows.add(RowFactory.create(i, names.get(i)));
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(dir + "/" + TABLE);
    }

    /** Reads the {@code classes} table of an ingest output; labels must be exactly 0..C-1. */
    public static ClassIndex read(SparkSession spark, String outputDir) {
        Dataset<Row> d = spark.read().parquet(outputDir + "/" + TABLE).orderBy("label");
        List<String> names = new ArrayList<>();
        for (Row r : d.collectAsList()) {
            int label = r.getInt(0);
            if (label != names.size()) {
                throw new IllegalArgumentException("class index " + outputDir + "/" + TABLE + " has label " + label
                        + " where " + names.size() + " was expected (labels must be 0..C-1)");
            }
            names.add(r.getString(1));
        }
        if (names.isEmpty()) throw new IllegalArgumentException("class index " + outputDir + "/" + TABLE + " is empty");
        return new ClassIndex(names);
    }
}
