// %% md
// # Evaluation across checkpoints
//
// The table written by `vitssl evaluate-checkpoints` (or `vitssl demo`): one row per checkpoint, metric and k.
// Input: `-Dvitssl.nb.eval=DIR` (default `out/demo/eval`, the demo's).
// %%
import static org.vitssl.jobs.notebook.Show.*;
import org.apache.spark.sql.*;
import static org.apache.spark.sql.functions.*;
import java.util.*;

String evalDir = System.getProperty("vitssl.nb.eval", "out/demo/eval");
SparkSession spark = SparkSession.builder().master("local[1]").appName("notebook")
        .config("spark.ui.enabled", "false").getOrCreate();
Dataset<Row> table = spark.read().parquet(evalDir + "/table");
System.out.println(table.count() + " rows, " + table.select("checkpoint").distinct().count() + " checkpoints");
// %% md
// ## Top-1 per checkpoint
// k-NN top-1 for every k, and the linear probe, side by side (failed checkpoints show their reason).
// %%
Dataset<Row> ok = table.where(col("status").equalTo("ok"));
Dataset<Row> wide = ok.where(col("metric").isin("knn_top1", "probe_top1"))
        .withColumn("column", when(col("k").isNull(), lit("probe")).otherwise(concat(lit("knn@"), col("k"))))
        .groupBy("checkpoint", "epoch", "step").pivot("column").agg(first("value")).orderBy("step");
wide.show(100, false);
table.where(col("status").equalTo("failed")).select("checkpoint", "error").show(100, false);
// %% md
// ## Best checkpoint per metric
// %%
List<List<?>> best = new ArrayList<>();
best.add(List.of("metric", "k", "best checkpoint", "top-1 %"));
for (Row r : ok.where(col("metric").endsWith("top1")).groupBy("metric", "k").agg(max("value").as("best"))
        .orderBy("metric", "k").collectAsList()) {
    Row at = ok.where(col("metric").equalTo(r.getString(0)).and(r.isNullAt(1) ? col("k").isNull() : col("k").equalTo(r.getInt(1)))
            .and(col("value").equalTo(r.getDouble(2)))).orderBy("step").first();
    best.add(List.of(r.getString(0), r.isNullAt(1) ? "-" : r.getInt(1), at.getString(0), String.format("%.2f", r.getDouble(2))));
}
table(best);
// %% md
// ## Curves
// The plot `evaluate-checkpoints` draws (k-NN top-1 at its plot-k and the probe against epoch).
// %%
image(evalDir + "/metrics.png");
