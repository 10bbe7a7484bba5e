// Writes a `vitssl embed` output (Parquet: image_id, label, features) as a flat big-endian file for
// knn_neighbourhoods.py: int n, int dim, then n records of (int label, float[dim] features).
// Run: jshell --class-path "$(ls jobs/target/vitssl-jobs-*.jar | head -1):$(ls jobs/target/lib/*.jar | tr '\n' ':')" \
//        -R-Dembeddings=EMBED_DIR -R-Dout=FILE.bin docs/study/knn-neighbourhoods/dump_embeddings.jsh
import org.apache.spark.sql.*;
import java.io.*;
var spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
var rows = spark.read().parquet(System.getProperty("embeddings")).select("label", "features").collectAsList();
try (var out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(System.getProperty("out"))))) {
    out.writeInt(rows.size());
    out.writeInt(rows.get(0).getList(1).size());
    for (var r : rows) {
        out.writeInt(r.getInt(0));
        for (Object x : r.getList(1)) out.writeFloat(((Number) x).floatValue());
    }
}
spark.stop();
/exit
