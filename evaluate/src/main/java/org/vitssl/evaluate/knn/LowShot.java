package org.vitssl.evaluate.knn;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.vitssl.evaluate.data.EmbeddingsTable;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;

/**
 * Low-shot bank selection as in AttMask: nu images per class. Within each class the bank rows are
 * ordered by image_id; subset j (0-based) takes the nu rows starting at position j * nu, wrapping
 * around the end of the class (so a class with fewer than 5 * nu images still gives nu images per
 * subset, and a class with fewer than nu images gives all of them). The k of the vote is
 * {@code kSingle} (1) for nu = 1 and {@code k} (20) otherwise.
 */
public final class LowShot {
    private LowShot() {}

    /** The first row position of subset {@code subset} for {@code perClass} images per class. */
    public static long offset(int perClass, int subset) {
        return (long) perClass * subset;
    }

    /** The k used for {@code perClass}. */
    public static int kFor(int perClass, int k, int kSingle) {
        return perClass == 1 ? kSingle : k;
    }

    /** The subset of a canonical bank view (columns _id, _label, _features). */
    public static Dataset<Row> select(Dataset<Row> bankCanonical, int perClass, int subset) {
        WindowSpec byClass = Window.partitionBy(EmbeddingsTable.C_LABEL);
        WindowSpec ordered = byClass.orderBy(col(EmbeddingsTable.C_ID));
        Column pos = row_number().over(ordered).minus(1);
        Column n = count(lit(1)).over(byClass);
        Column rel = pmod(col("_pos").minus(lit(offset(perClass, subset))), col("_n"));
        return bankCanonical.withColumn("_pos", pos).withColumn("_n", n)
                .where(rel.lt(least(lit(perClass), col("_n"))))
                .drop("_pos", "_n");
    }
}
