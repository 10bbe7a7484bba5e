package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.train.toy.MlpDinoTask;
import org.vitssl.pretrain.train.toy.SyntheticVectorSource;
import org.vitssl.pretrain.train.toy.VectorBatch;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint layout, keep-K, completeness, architecture check; NaN guard; progress and metrics. */
class CheckpointAndGuardsTest {

    @Test
    void checkpointsAreCompleteKeptAndReadable(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result r = TinyRun.run(tmp.toString(), 12, 0, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(12, r.steps());
        CheckpointStore store = new CheckpointStore(tmp.toString(), 2, new Configuration());
        // every 5 steps, the epoch end at 8, the end at 12; keep 2
        assertEquals(List.of(10L, 12L), store.list().stream().map(CheckpointStore.Entry::step).collect(Collectors.toList()));
        Path dir = tmp.resolve("checkpoints/step-12");
        for (String f : CheckpointStore.FILES) assertTrue(Files.isRegularFile(dir.resolve(f)), f);

        // an incomplete directory and a temporary one are never taken for a checkpoint
        Files.createDirectories(tmp.resolve("checkpoints/step-99"));
        Files.copy(dir.resolve(CheckpointStore.STUDENT), tmp.resolve("checkpoints/step-99/" + CheckpointStore.STUDENT));
        Files.createDirectories(tmp.resolve("checkpoints/.tmp-step-100-x"));
        assertEquals(12L, store.latest().orElseThrow().step());

        // safetensors layout: 8-byte LE header length, JSON header, data; names and dtypes as written
        byte[] bytes = Files.readAllBytes(dir.resolve(CheckpointStore.TEACHER_BACKBONE));
        long hlen = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + hlen) % 8);
        String header = new String(bytes, 8, (int) hlen, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"proj.weight\":{\"dtype\":\"F32\",\"shape\":[16,8]"), header);
        assertFalse(header.contains("masked_embed"), "the teacher has no masked_embed");
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore.Contents c = store.read(store.latest().orElseThrow(), m);
            Map<String, NDArray> tb = Safetensors.read(dir.resolve(CheckpointStore.TEACHER_BACKBONE).toString(), m, new Configuration());
            assertArrayEquals(c.teacher().get("backbone.proj.weight").toFloatArray(), tb.get("proj.weight").toFloatArray());
            assertEquals(12, c.state().step());
            assertEquals(1, c.state().epoch());
            assertEquals(4, c.state().batchInEpoch());
            assertTrue(c.optimizer().containsKey("exp_avg_sq.head.last_layer.weight_v"));
            assertEquals("vitssl.pretrain.seed = 7\n", c.configText());
        }

        // progress lines and metrics.jsonl
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("epoch 0 step 5/12 loss "), out);
        assertTrue(out.contains(" lr ") && out.contains(" wd ") && out.contains(" m ") && out.contains(" tt ")
                && out.contains("img/s") && out.contains("data wait") && out.contains("ETA"), out);
        assertTrue(out.contains("collapse monitor at step 5: teacher entropy"), out);
        List<String> metrics = Files.readAllLines(tmp.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size(), String.join("\n", metrics)); // steps 5, 10, 12
        assertTrue(metrics.get(0).contains("\"step\":5,") && metrics.get(0).contains("\"epoch\":0,") && metrics.get(0).contains("\"lr\":"), metrics.get(0));
        assertTrue(metrics.get(0).contains("\"teacher_entropy\"") && metrics.get(0).contains("\"ln_k\""), metrics.get(0));
    }

    @Test
    void anotherArchitectureIsRefusedWithTheKeys(@TempDir Path tmp) {
        TinyRun.run(tmp.toString(), 5, 0, new PrintStream(new ByteArrayOutputStream()));
        try (NDManager base = NDManager.newBaseManager();
             MlpDinoTask other = new MlpDinoTask(base, 8, 12, 32, 1L)) {
            SyntheticVectorSource data = new SyntheticVectorSource(32, 8, 4, 4, 7L);
            try (Trainer<VectorBatch> t = new Trainer<>(TinyRun.settings(tmp.toString()), TinyRun.optim(), other, data,
                    "", new Configuration(), base, new PrintStream(new ByteArrayOutputStream()))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::resumeIfPossible);
                assertTrue(e.getMessage().contains("backbone.proj.weight has shape (16, 8) in the checkpoint, (12, 8) in the model"),
                        e.getMessage());
                assertTrue(e.getMessage().contains("head.mlp.0.weight"), e.getMessage());
            }
        }
    }

    @Test
    void nonFiniteLossStopsWithTheStepAndWritesNothing(@TempDir Path tmp) throws Exception {
        try (NDManager base = NDManager.newBaseManager();
             MlpDinoTask inner = new MlpDinoTask(base, 8, 16, 32, 11L)) {
            TrainingTask<VectorBatch> poisoned = new TrainingTask<>() {
                @Override public LinkedHashMap<String, ai.djl.nn.Parameter> student() { return inner.student(); }
                @Override public LinkedHashMap<String, ai.djl.nn.Parameter> teacher() { return inner.teacher(); }
                @Override public Map<String, float[]> centres() { return inner.centres(); }
                @Override public void setCentres(Map<String, float[]> c) { inner.setCentres(c); }
                @Override public int outputDim() { return inner.outputDim(); }
                @Override
                public StepOutput forward(NDManager m, VectorBatch b, StepContext ctx) {
                    StepOutput o = inner.forward(m, b, ctx);
                    if (ctx.step() != 7) return o;
                    NDArray nan = o.loss().mul(Float.NaN);
                    return new StepOutput(nan, Map.of("dino", nan), null);
                }
            };
            SyntheticVectorSource data = new SyntheticVectorSource(32, 8, 4, 4, 7L);
            try (Trainer<VectorBatch> t = new Trainer<>(TinyRun.settings(tmp.toString()), TinyRun.optim(), poisoned, data,
                    "", new Configuration(), base, new PrintStream(new ByteArrayOutputStream()))) {
                byte[] before;
                NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.run(-1));
                assertEquals(7, e.step());
                assertTrue(e.getMessage().contains("loss is NaN at step 7"), e.getMessage());
                assertTrue(e.getMessage().contains("step-5"), e.getMessage());
                assertEquals(7, t.stepsDone());
                CheckpointStore store = t.checkpoints();
                assertEquals(List.of(5L), store.list().stream().map(CheckpointStore.Entry::step).collect(Collectors.toList()));
                before = Files.readAllBytes(tmp.resolve("checkpoints/step-5/" + CheckpointStore.STUDENT));
                assertTrue(before.length > 0);
            }
        }
    }

    @Test
    void atStartWritesTheInitialStateOnceAndAResumeDoesNotRewriteIt(@TempDir Path tmp) throws Exception {
        TrainerSettings base = TinyRun.settings(tmp.toString());
        TrainerSettings s = new TrainerSettings(base.runDir(), base.seed(), base.batchSize(), base.devices(),
                base.checkpointEverySteps(), base.checkpointAtEpochEnd(), 100, base.resume(), base.progressEverySteps(),
                base.collapseEverySteps(), true);
        try (NDManager m = NDManager.newBaseManager();
             MlpDinoTask task = new MlpDinoTask(m, 8, 16, 32, 11L)) {
            // The initial student, captured before any step, is what step-0 must hold.
            Map<String, float[]> initial = new LinkedHashMap<>();
            for (Map.Entry<String, ai.djl.nn.Parameter> e : task.student().entrySet()) {
                initial.put(e.getKey(), e.getValue().getArray().toFloatArray());
            }
            SyntheticVectorSource data = new SyntheticVectorSource(32, 8, 4, 4, 7L);
            try (Trainer<VectorBatch> t = new Trainer<>(s, TinyRun.optim(), task, data, "", new Configuration(), m,
                    new PrintStream(new ByteArrayOutputStream()))) {
                t.run(3);
                List<Long> steps = t.checkpoints().list().stream().map(CheckpointStore.Entry::step).collect(Collectors.toList());
                assertEquals(List.of(0L, 3L), steps.stream().sorted().collect(Collectors.toList()));
                CheckpointStore.Entry zero = t.checkpoints().list().stream().filter(e -> e.step() == 0).findFirst().orElseThrow();
                try (NDManager r = m.newSubManager()) {
                    CheckpointStore.Contents c = t.checkpoints().read(zero, r);
                    assertEquals(0, c.state().epoch());
                    for (Map.Entry<String, float[]> e : initial.entrySet()) {
                        assertArrayEquals(e.getValue(), c.student().get(e.getKey()).toFloatArray(), 0f, e.getKey());
                    }
                }
            }
        }
        long zeroTime = Files.getLastModifiedTime(tmp.resolve("checkpoints/step-0")).toMillis();
        try (NDManager m = NDManager.newBaseManager();
             MlpDinoTask task = new MlpDinoTask(m, 8, 16, 32, 11L)) {
            SyntheticVectorSource data = new SyntheticVectorSource(32, 8, 4, 4, 7L);
            try (Trainer<VectorBatch> t = new Trainer<>(s, TinyRun.optim(), task, data, "", new Configuration(), m,
                    new PrintStream(new ByteArrayOutputStream()))) {
                Trainer.Result r = t.run(5);
                assertTrue(r.resumed());
                assertEquals(zeroTime, Files.getLastModifiedTime(tmp.resolve("checkpoints/step-0")).toMillis());
            }
        }
    }

    @Test
    void configChecksNameTheKey() {
        Config c = VitsslConfig.load(null, List.of("pretrain.run-dir=/tmp/x", "pretrain.batch-size=10", "pretrain.devices=4"));
        ConfigException e = assertThrows(ConfigException.class, () -> TrainerSettings.fromConfig(c));
        assertTrue(e.getMessage().contains("vitssl.pretrain.batch-size"), e.getMessage());
        Config ok = VitsslConfig.load(null, List.of("pretrain.run-dir=/tmp/x"));
        assertEquals(64, TrainerSettings.fromConfig(ok).totalBatch());
        Config warm = ConfigFactory.parseString("vitssl.pretrain.optimizer.warmup-epochs = 100").withFallback(ok);
        ConfigException w = assertThrows(ConfigException.class,
                () -> org.vitssl.pretrain.optim.OptimSettings.fromConfig(warm, TrainerSettings.SECTION, "vitssl.loss.dino"));
        assertTrue(w.getMessage().contains("vitssl.pretrain.optimizer.warmup-epochs"), w.getMessage());
    }
}
