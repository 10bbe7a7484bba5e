// %% md
// # Attention and masks of a checkpoint
//
// Runs `vitssl visualize` on a checkpoint and a few images and shows what the teacher attends to (last
// layer, mean of heads and each head, and the rollout) and the masks every strategy would draw
// (AttMask high, low and hint from that attention; random and block).
// Inputs: `-Dvitssl.nb.checkpoint=...` (a checkpoint directory or .safetensors) and `-Dvitssl.nb.images=...`
// (an ingest split); extra settings with `-Dvitssl.nb.args="key=value key=value"`.
// %%
import static org.vitssl.jobs.notebook.Show.*;
import java.nio.file.*;
import java.util.*;

String checkpoint = System.getProperty("vitssl.nb.checkpoint", "out/demo/run/checkpoints");
String images = System.getProperty("vitssl.nb.images", "out/demo/data/val");
Path out = Files.createTempDirectory("vitssl-nb-attention").resolve("vis");
List<String> args = new ArrayList<>(List.of("visualize", "--checkpoint", checkpoint, "--images", images,
        "--output", out.toString(), "--count", "6"));
for (String a : System.getProperty("vitssl.nb.args", "").split(" ")) if (!a.isBlank()) args.add(a);
int rc = org.vitssl.jobs.Main.run(args.toArray(new String[0]), System.out, System.out);
if (rc != 0) throw new IllegalStateException("visualize failed with exit code " + rc);
// %% md
// ## Attention (last layer, CLS query over the patches)
// %%
image(out.resolve("attention.png").toString());
// %% md
// ## Masks at the same ratio
// High masks the most attended patches, low the least; hint is high with a few of the top patches revealed.
// %%
image(out.resolve("masks.png").toString());
