// %% md
// # Nearest neighbours
//
// For a few test images, their nearest training images in embedding space (cosine similarity of the
// features `vitssl embed` wrote), with labels: a direct look at what the k-NN classifier votes with.
// Inputs (system properties): `vitssl.nb.test-embeddings`, `vitssl.nb.train-embeddings` (embed outputs),
// `vitssl.nb.test-images`, `vitssl.nb.train-images` (ingest splits), `vitssl.nb.checkpoint`, extra settings in `vitssl.nb.args`.
// %%
import static org.vitssl.jobs.notebook.Show.*;
import java.nio.file.*;
import java.util.*;

Path out = Files.createTempDirectory("vitssl-nb-neighbours").resolve("vis");
List<String> args = new ArrayList<>(List.of("visualize",
        "--checkpoint", System.getProperty("vitssl.nb.checkpoint"),
        "--images", System.getProperty("vitssl.nb.test-images"),
        "--neighbours.test-embeddings", System.getProperty("vitssl.nb.test-embeddings"),
        "--neighbours.train-embeddings", System.getProperty("vitssl.nb.train-embeddings"),
        "--neighbours.train-images", System.getProperty("vitssl.nb.train-images"),
        "--output", out.toString(), "--count", "2"));
for (String a : System.getProperty("vitssl.nb.args", "").split(" ")) if (!a.isBlank()) args.add(a);
int rc = org.vitssl.jobs.Main.run(args.toArray(new String[0]), System.out, System.out);
if (rc != 0) throw new IllegalStateException("visualize failed with exit code " + rc);
// %% md
// ## Queries and their neighbours
// Each row: a test image, then its nearest training images; captions give the label and the cosine similarity.
// %%
image(out.resolve("neighbours.png").toString());
