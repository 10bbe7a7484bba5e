package org.vitssl.evaluate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

/** One local[2] SparkSession per test class, and helpers to build embeddings tables in memory. */
public abstract class SparkTestBase {
    protected static SparkSession spark;

    public static final StructType EMBEDDINGS = new StructType()
            .add("image_id", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, true), true);

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("evaluate-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.memory", "1g")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) spark.stop();
        spark = null;
    }

    /** A row of an embeddings table. */
    public static Row row(String id, Integer label, float... features) {
        List<Float> f = new ArrayList<>(features.length);
        for (float v : features) f.add(v);
        return RowFactory.create(id, label, f);
    }

    /** An embeddings table with {@code partitions} partitions. */
    public static Dataset<Row> table(List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, EMBEDDINGS).repartition(partitions);
    }
}
