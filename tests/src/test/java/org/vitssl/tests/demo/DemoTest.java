package org.vitssl.tests.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.jobs.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `vitssl demo --quick` end to end on the real Fashion-MNIST files (Debian's dataset-fashion-mnist), shrunk
 * to a few images per class and a one-block ViT so that it runs in about a minute: every stage must run
 * and leave its outputs (evaluation table with every checkpoint, plots).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DemoTest {
    @TempDir Path dir;

    @Test
    void quickDemoRunsEveryStage() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int rc = Main.run(new String[] {"demo", "--quick", "demo.work-dir=" + dir, "demo.quick-per-class=12",
                "demo.quick-epochs=2", "spark.master=\"local[2]\"",
                "model.embed-dim=32", "model.depth=1", "model.num-heads=2",
                "model.dino-head.out-dim=64", "model.dino-head.hidden-dim=64", "model.dino-head.bottleneck-dim=32",
                "pretrain.batch-size=24", "pretrain.progress.every-steps=2", "pretrain.progress.collapse-every-steps=2",
                "pretrain.checkpoint.every-steps=0",
                "knn.ks=[5,10]", "evaluate.plot-k=10", "probe.reg-params=[0.001]", "probe.max-iter=20"}, ps, ps);
        String log = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, log);
        assertTrue(log.contains("ingest train: seen 120 = written 120 + quarantined 0"), log);
        assertTrue(log.contains("==== demo finished ===="), log);
        List<String> csv = Files.readAllLines(dir.resolve("eval/table.csv"));
        // the raw-pixels baseline, the step-0 checkpoint (random init) and one checkpoint per epoch, each
        // x (knn top1/top5 for k = 5, 10 + probe top1/top5)
        assertEquals(1 + 4 * 6, csv.size(), String.join("\n", csv));
        assertTrue(csv.stream().skip(1).allMatch(l -> l.contains(",ok,")), String.join("\n", csv));
        assertEquals(6, csv.stream().filter(l -> l.startsWith("raw-pixels,")).count(), String.join("\n", csv));
        assertEquals(6, csv.stream().filter(l -> l.startsWith("step-0,")).count(), String.join("\n", csv));
        for (String f : List.of("eval/metrics.png", "run/loss.png", "run/entropy.png", "run/metrics.jsonl")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
    }
}
