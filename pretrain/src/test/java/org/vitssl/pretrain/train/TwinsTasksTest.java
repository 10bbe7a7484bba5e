package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.model.SafetensorsIO;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dino-twins and barlow-twins steps: the losses of two steps from the same initial weights and crops as
 * {@code make_twins_step_fixtures.py} (PyTorch, float64), real training through the augment loader, checkpoint
 * contents without a teacher, exact mid-epoch resume, and the config rejections.
 */
class TwinsTasksTest {
    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/train/twins_step.safetensors");

    /** A tiny ViT run through the augment loader (tiny PNGs of VitSslTaskTest). */
    static List<String> tiny(Path run, String method, String... more) {
        List<String> o = new ArrayList<>(List.of(
                "model.arch=custom", "model.embed-dim=16", "model.depth=2", "model.num-heads=2", "model.patch-size=4",
                "model.img-size=16", "model.mask-token=false", "mask.method=none",
                "model.dino-twins.out-dim=32", "model.dino-twins.hidden-dim=32", "model.dino-twins.bottleneck-dim=16",
                "model.dino-twins.projector-dim=24", "model.barlow-projector.sizes=[32, 32, 24]",
                "loss.dino-twins.warmup-teacher-temp-epochs=1",
                "augment.global.size=16", "augment.local.size=8", "augment.local.count=" + (method.equals("barlow-twins") ? 0 : 3),
                "augment.loader.workers=1", "pretrain.method=" + method,
                "pretrain.run-dir=\"" + run + "\"", "pretrain.batch-size=4", "pretrain.epochs=2",
                "pretrain.optimizer.warmup-epochs=1", "pretrain.optimizer.warmup-start-factor=0.1",
                "pretrain.optimizer.min-lr-factor=0.1", "pretrain.optimizer.lr=0.05",
                "pretrain.checkpoint.every-steps=2", "pretrain.progress.every-steps=1",
                "pretrain.progress.collapse-every-steps=1"));
        o.addAll(List.of(more));
        return o;
    }

    static Trainer.Result run(Config c, List<ImageRecord> imgs, long steps, ByteArrayOutputStream log, List<Float> losses) {
        PretrainChecks.validate(c);
        TrainerSettings s = TrainerSettings.fromConfig(c);
        try (NDManager base = NDManager.newBaseManager(); TrainingTask<MultiCropBatch> task = TrainingTasks.create(c, base, s.seed())) {
            AugmentBatchSource data = new AugmentBatchSource(imgs, c, s.seed(), s.totalBatch());
            try (Trainer<MultiCropBatch> t = new Trainer<>(s, TrainingTasks.optim(c), task, data, "x", new Configuration(), base,
                    new PrintStream(log, true, StandardCharsets.UTF_8))) {
                if (losses != null) t.setListener((step, loss) -> losses.add(loss));
                return t.run(steps);
            }
        }
    }

    @Test
    void dinoTwinsStepsMatchPyTorch(@TempDir Path tmp) throws Exception {
        List<String> o = List.of("model.arch=custom", "model.embed-dim=32", "model.depth=2", "model.num-heads=2",
                "model.patch-size=4", "model.img-size=16", "model.mask-token=false", "model.drop-path-rate=0",
                "model.dino-twins.out-dim=40", "model.dino-twins.hidden-dim=24", "model.dino-twins.bottleneck-dim=12",
                "model.dino-twins.projector-dim=20", "loss.dino-twins.warmup-teacher-temp=0.05",
                "loss.dino-twins.teacher-temp=0.05", "loss.dino-twins.warmup-teacher-temp-epochs=0",
                "augment.global.size=16", "augment.local.size=8", "augment.local.count=3", "mask.method=none",
                "pretrain.method=dino-twins", "pretrain.run-dir=\"" + tmp + "\"", "pretrain.batch-size=4", "pretrain.epochs=1",
                "pretrain.optimizer.lr=0.02", "pretrain.optimizer.warmup-epochs=0", "pretrain.optimizer.weight-decay=0.01",
                "pretrain.optimizer.weight-decay-end=0.01", "pretrain.optimizer.decay-bias-and-norm=true",
                "pretrain.optimizer.clip-grad=0", "pretrain.optimizer.freeze-last-layer-epochs=0", "pretrain.teacher.momentum=0.9",
                "pretrain.checkpoint.resume=false", "pretrain.checkpoint.every-steps=0");
        float[] losses = fixtureRun(VitsslConfig.load(null, o), "dt", 4, 3, tmp);
        assertClose(meta("dt.loss.0"), losses[0], 1e-5, "step 1");
        assertClose(meta("dt.loss.1"), losses[1], 1e-4, "step 2 (after AdamW and the EMA)");
    }

    @Test
    void barlowTwinsStepsMatchPyTorch(@TempDir Path tmp) throws Exception {
        List<String> o = List.of("model.arch=custom", "model.embed-dim=32", "model.depth=2", "model.num-heads=2",
                "model.patch-size=4", "model.img-size=16", "model.mask-token=false", "model.drop-path-rate=0",
                "model.barlow-projector.sizes=[40, 40, 24]", "loss.barlow-twins.lambda=0.0051",
                "augment.global.size=16", "augment.local.count=0", "mask.method=none",
                "pretrain.method=barlow-twins", "pretrain.run-dir=\"" + tmp + "\"", "pretrain.batch-size=6", "pretrain.epochs=1",
                "pretrain.optimizer.lr=0.05", "pretrain.optimizer.warmup-epochs=0", "pretrain.optimizer.weight-decay=0.04",
                "pretrain.optimizer.weight-decay-end=0.04", "pretrain.optimizer.clip-grad=1.0",
                "pretrain.optimizer.freeze-last-layer-epochs=0", "pretrain.checkpoint.resume=false",
                "pretrain.checkpoint.every-steps=1");
        float[] losses = fixtureRun(VitsslConfig.load(null, o), "bt", 6, 0, tmp);
        assertClose(meta("bt.loss.0"), losses[0], 1e-5, "step 1");
        assertClose(meta("bt.loss.1"), losses[1], 1e-4, "step 2 (after clipping and AdamW)");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = SafetensorsIO.read(FIXTURE, m);
            // after step 1 the statistics come from the initial weights: float32 rounding only. After step 2 they
            // also carry AdamW's first update, lr * g / |g| per element, which turns float32-vs-float64 differences
            // of near-zero gradients into lr-sized weight differences: a looser tolerance.
            for (int step = 1; step <= 2; step++) {
                Map<String, NDArray> ck = SafetensorsIO.read(tmp.resolve("checkpoints/step-" + step + "/student.safetensors"), m);
                for (String b : List.of("projector.1.running_mean", "projector.1.running_var", "projector.4.running_mean",
                        "projector.4.running_var")) {
                    float[] want = f.get("bt.out" + (step - 1) + "." + b).toFloatArray(), got = ck.get(b).toFloatArray();
                    double scale = 0;
                    for (float w : want) scale = Math.max(scale, Math.abs(w));
                    double tol = (step == 1 ? 1e-5 : 1e-2) * scale;
                    for (int i = 0; i < want.length; i++) {
                        assertTrue(Math.abs(want[i] - got[i]) <= tol, "step " + step + " " + b + "[" + i + "]: expected "
                                + want[i] + ", got " + got[i] + " (tolerance " + tol + ")");
                    }
                }
                assertEquals(2L * step, ck.get("projector.1.num_batches_tracked").toLongArray()[0]);
            }
        }
    }

    /** Two steps through the Trainer from the fixture's weights and crops ({@code p}: fixture prefix). */
    private static float[] fixtureRun(Config c, String p, int batch, int locals, Path run) throws Exception {
        PretrainChecks.validate(c);
        TrainerSettings s = TrainerSettings.fromConfig(c);
        List<Float> losses = new ArrayList<>();
        try (NDManager base = NDManager.newBaseManager(); TrainingTask<MultiCropBatch> task = TrainingTasks.create(c, base, 1L)) {
            List<MultiCropBatch> batches = new ArrayList<>();
            try (NDManager m = base.newSubManager()) {
                Map<String, NDArray> f = SafetensorsIO.read(FIXTURE, m);
                Map<String, NDArray> st = new LinkedHashMap<>();
                f.forEach((k, v) -> { if (k.startsWith(p + ".student.")) st.put(k.substring(p.length() + 9), v); });
                ParameterIO.load(task.student(), st, "fixture student");
                Map<String, NDArray> te = new LinkedHashMap<>();
                for (String k : task.teacher().keySet()) te.put(k, st.get(k));
                ParameterIO.load(task.teacher(), te, "fixture teacher");
                for (int i = 0; i < 2; i++) {
                    String[] ids = new String[batch];
                    for (int b = 0; b < batch; b++) ids[b] = "x" + b;
                    float[] l = locals > 0 ? f.get(p + ".in.locals." + i).toFloatArray() : new float[0];
                    batches.add(new MultiCropBatch(batch, 2, locals, 16, 8, f.get(p + ".in.globals." + i).toFloatArray(), l,
                            new int[batch], ids));
                }
            }
            BatchSource<MultiCropBatch> src = new BatchSource<>() {
                @Override public int batchesPerEpoch() { return 2; }
                @Override public int imagesPerBatch() { return batch; }
                @Override public Batches<MultiCropBatch> open(int epoch, int start) {
                    return new Batches<>() {
                        int next = start;
                        @Override public boolean hasNext() { return next < 2; }
                        @Override public MultiCropBatch next() { if (next >= 2) throw new NoSuchElementException(); return batches.get(next++); }
                        @Override public void close() {}
                    };
                }
            };
            try (Trainer<MultiCropBatch> t = new Trainer<>(s, TrainingTasks.optim(c), task, src, "x", new Configuration(), base,
                    new PrintStream(new ByteArrayOutputStream()))) {
                t.setListener((step, loss) -> losses.add(loss));
                t.run(2);
            }
        }
        assertEquals(2, losses.size());
        return new float[] {losses.get(0), losses.get(1)};
    }

    private static double meta(String key) throws Exception {
        try (InputStream in = Files.newInputStream(FIXTURE)) {
            return Double.parseDouble(SafetensorsIO.readMetadata(in, FIXTURE.toString()).get(key));
        }
    }

    private static void assertClose(double want, double got, double rtol, String what) {
        assertTrue(Math.abs(want - got) <= rtol * Math.max(1e-6, Math.abs(want)),
                what + ": expected " + want + ", got " + got + " (relative " + Math.abs(want - got) / Math.abs(want) + ")");
    }

    @Test
    void bothMethodsTrainThroughTheLoaderAndCheckpoint(@TempDir Path tmp) throws Exception {
        List<ImageRecord> imgs = VitSslTaskTest.images(8);
        for (String method : List.of("dino-twins", "barlow-twins")) {
            Path run = tmp.resolve(method);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            List<Float> losses = new ArrayList<>();
            Trainer.Result r = run(VitsslConfig.load(null, tiny(run, method)), imgs, 4, log, losses);
            String out = log.toString(StandardCharsets.UTF_8);
            assertEquals(4, r.steps(), out);
            for (float l : losses) assertTrue(Float.isFinite(l), method + ": " + losses + "\n" + out);
            assertTrue(losses.stream().distinct().count() > 1, method + " loss does not move: " + losses);
            Path ck = run.resolve("checkpoints/step-4");
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> student = SafetensorsIO.read(ck.resolve(CheckpointStore.STUDENT), m);
                Map<String, NDArray> teacher = SafetensorsIO.read(ck.resolve(CheckpointStore.TEACHER), m);
                Map<String, NDArray> exported = SafetensorsIO.read(ck.resolve(CheckpointStore.TEACHER_BACKBONE), m);
                assertTrue(student.containsKey("projector.0.weight"), student.keySet().toString());
                assertTrue(exported.containsKey("blocks.1.attn.qkv.weight"), exported.keySet().toString());
                TrainState st = TrainState.fromJson(Files.readString(ck.resolve(CheckpointStore.STATE)), "state");
                if (method.equals("dino-twins")) {
                    assertTrue(out.contains(" dino ") && out.contains(" bt "), out);
                    assertTrue(out.contains("teacher entropy"), out);
                    assertTrue(teacher.containsKey("head.last_layer.weight"), teacher.keySet().toString());
                    assertFalse(teacher.keySet().stream().anyMatch(k -> k.startsWith("projector.")), teacher.keySet().toString());
                    assertEquals(32, st.centres().get("dino-twins.center").length);
                    assertFalse(java.util.Arrays.equals(exported.get("cls_token").toFloatArray(),
                            student.get("backbone.cls_token").toFloatArray()), "the export is the teacher's");
                } else {
                    assertTrue(out.contains("collapse monitor at step 1: embedding std"), out);
                    assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("\"embedding_std\""));
                    assertTrue(teacher.isEmpty(), teacher.keySet().toString());
                    assertTrue(st.centres().isEmpty());
                    assertTrue(student.containsKey("projector.1.running_var"), student.keySet().toString());
                    assertArrayEquals(student.get("backbone.cls_token").toFloatArray(), exported.get("cls_token").toFloatArray(),
                            "without a teacher the export is the student's backbone");
                }
            }
        }
    }

    @Test
    void dinoTwinsRecipeTrainsWithATinyModel(@TempDir Path tmp) throws Exception {
        // the recipe's augmentation (dino-twins pipeline, locals as large as globals: one backbone pass) and optimiser
        Config c = VitsslConfig.load("../conf/dino-twins-cifar10.conf", List.of("model.arch=custom", "model.embed-dim=16",
                "model.depth=1", "model.num-heads=2", "model.img-size=16", "model.dino-twins.out-dim=32",
                "model.dino-twins.hidden-dim=32", "model.dino-twins.bottleneck-dim=16", "model.dino-twins.projector-dim=24",
                "augment.global.size=16", "augment.local.size=16", "augment.loader.workers=1",
                "pretrain.run-dir=\"" + tmp + "\"", "pretrain.batch-size=4", "pretrain.epochs=12",
                "pretrain.progress.every-steps=1"));
        assertEquals(0.0, c.getDouble("vitssl.pretrain.optimizer.clip-grad"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<Float> losses = new ArrayList<>();
        Trainer.Result r = run(c, VitSslTaskTest.images(8), 3, log, losses);
        assertEquals(3, r.steps());
        for (float l : losses) assertTrue(Float.isFinite(l), losses + "\n" + log);
        // warm-up from 0.1 x peak: the first LR is 0.1 x 3e-4 x 4/256
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("lr 4.687e-07"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void twinsMethodsResumeMidEpochExactly(@TempDir Path tmp) throws Exception {
        List<ImageRecord> imgs = VitSslTaskTest.images(12); // 3 batches per epoch
        for (String method : List.of("dino-twins", "barlow-twins")) {
            Path a = tmp.resolve(method + "-a"), b = tmp.resolve(method + "-b");
            run(VitsslConfig.load(null, tiny(a, method)), imgs, 5, new ByteArrayOutputStream(), null);
            run(VitsslConfig.load(null, tiny(b, method)), imgs, 4, new ByteArrayOutputStream(), null);
            for (String d : List.of("step-3", "step-4")) {
                Files.walk(b.resolve("checkpoints/" + d)).sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Trainer.Result r = run(VitsslConfig.load(null, tiny(b, method)), imgs, 5, log, null);
            assertTrue(r.resumed(), log.toString());
            assertTrue(log.toString().contains("step 2, epoch 0, batch 2"), log.toString());
            for (String f : List.of(CheckpointStore.STUDENT, CheckpointStore.TEACHER, CheckpointStore.OPTIMIZER,
                    CheckpointStore.TEACHER_BACKBONE)) {
                assertArrayEquals(Files.readAllBytes(a.resolve("checkpoints/step-5/" + f)),
                        Files.readAllBytes(b.resolve("checkpoints/step-5/" + f)), method + " " + f);
            }
            TrainState sa = TrainState.fromJson(Files.readString(a.resolve("checkpoints/step-5/" + CheckpointStore.STATE)), "a");
            TrainState sb = TrainState.fromJson(Files.readString(b.resolve("checkpoints/step-5/" + CheckpointStore.STATE)), "b");
            assertEquals(sa.centres().keySet(), sb.centres().keySet());
            for (String k : sa.centres().keySet()) assertArrayEquals(sa.centres().get(k), sb.centres().get(k), k);
        }
    }

    @Test
    void configRejectionsNameTheKey(@TempDir Path tmp) {
        assertKey("vitssl.augment.global.count", tiny(tmp, "barlow-twins", "augment.global.count=1"));
        assertKey("vitssl.augment.local.count", tiny(tmp, "barlow-twins", "augment.local.count=2"));
        assertKey("vitssl.pretrain.devices", tiny(tmp, "barlow-twins", "pretrain.devices=2"));
        assertKey("vitssl.model.barlow-projector.sizes", tiny(tmp, "barlow-twins", "model.barlow-projector.sizes=[]"));
        assertKey("vitssl.model.dino-twins.out-dim", tiny(tmp, "dino-twins", "model.dino-twins.out-dim=0"));
        assertKey("vitssl.model.dino-twins.projector-dim", tiny(tmp, "dino-twins", "model.dino-twins.projector-dim=0"));
        assertKey("vitssl.augment.local.size", tiny(tmp, "dino-twins", "augment.local.size=32"));
        assertKey("vitssl.augment.global.count", tiny(tmp, "dino-twins", "augment.global.count=3"));
        assertKey("vitssl.pretrain.optimizer.warmup-start-factor", tiny(tmp, "dino-twins", "pretrain.optimizer.warmup-start-factor=2"));
        assertKey("vitssl.pretrain.method", tiny(tmp, "simclr"));
        PretrainChecks.validate(VitsslConfig.load(null, tiny(tmp, "barlow-twins", "augment.global.count=3")));
    }

    private static void assertKey(String key, List<String> overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> {
            Config c = VitsslConfig.load(null, overrides);
            PretrainChecks.validate(c);
            TrainingTasks.optim(c);
        });
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
