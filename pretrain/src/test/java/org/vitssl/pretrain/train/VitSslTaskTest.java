package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.config.VitsslConfig;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ViT step for dino / ibot / attmask with a tiny ViT on tiny images, resume, and the config cross-checks. */
class VitSslTaskTest {
    static List<String> tiny(Path run, String... more) {
        List<String> o = new ArrayList<>(List.of(
                "model.arch=custom", "model.embed-dim=16", "model.depth=2", "model.num-heads=2", "model.patch-size=4",
                "model.img-size=16", "model.mask-token=true",
                "model.dino-head.out-dim=32", "model.dino-head.hidden-dim=32", "model.dino-head.bottleneck-dim=16",
                "model.ibot-head.out-dim=32", "model.ibot-head.patch-out-dim=32", "model.ibot-head.hidden-dim=32",
                "model.ibot-head.bottleneck-dim=16",
                "augment.global.size=16", "augment.local.size=8", "augment.local.count=2", "augment.loader.workers=1",
                "loss.ibot.warmup-teacher-temp-epochs=1",
                "pretrain.run-dir=\"" + run + "\"", "pretrain.batch-size=4", "pretrain.epochs=2",
                "pretrain.optimizer.warmup-epochs=1", "pretrain.checkpoint.every-steps=2", "pretrain.progress.every-steps=1",
                "pretrain.progress.collapse-every-steps=1"));
        o.addAll(List.of(more));
        return o;
    }

    static List<ImageRecord> images(int n) throws Exception {
        Random r = new Random(3);
        List<ImageRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage im = new BufferedImage(24, 20, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 20; y++) for (int x = 0; x < 24; x++) im.setRGB(x, y, r.nextInt(1 << 24));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(im, "png", b);
            out.add(new ImageRecord("img-" + i, i % 2, b.toByteArray()));
        }
        return out;
    }

    static Trainer.Result run(Config c, List<ImageRecord> imgs, long steps, ByteArrayOutputStream log) {
        PretrainChecks.validate(c);
        TrainerSettings s = TrainerSettings.fromConfig(c);
        try (NDManager base = NDManager.newBaseManager(); VitSslTask task = new VitSslTask(c, base, s.seed())) {
            AugmentBatchSource data = new AugmentBatchSource(imgs, c, s.seed(), s.totalBatch());
            try (Trainer<MultiCropBatch> t = new Trainer<>(s, PretrainJob.optim(c), task, data, "x", new Configuration(), base,
                    new PrintStream(log, true, StandardCharsets.UTF_8))) {
                return t.run(steps);
            }
        }
    }

    @Test
    void dinoIbotAndAttMaskStepsTrainAndCheckpoint(@TempDir Path tmp) throws Exception {
        List<ImageRecord> imgs = images(8);
        for (String[] m : new String[][] {{"dino", "none"}, {"ibot", "block"}, {"ibot", "rand"}, {"attmask", "attmask-high"},
                {"attmask", "attmask-hint"}}) {
            Path run = tmp.resolve(m[0] + "-" + m[1]);
            Config c = VitsslConfig.load(null, tiny(run, "pretrain.method=" + m[0], "mask.method=" + m[1]));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Trainer.Result r = run(c, imgs, 3, log);
            assertEquals(3, r.steps(), m[0]);
            assertTrue(Float.isFinite(r.lastLoss()), m[0] + " " + log);
            String out = log.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains(m[0].equals("dino") ? " dino " : " mim "), out);
            String header = new String(Files.readAllBytes(run.resolve("checkpoints/step-3/student.safetensors")), 0, 4000,
                    StandardCharsets.ISO_8859_1);
            assertTrue(header.contains("backbone.blocks.1.attn.qkv.weight"), header);
            assertTrue(header.contains(m[0].equals("dino") ? "head.last_layer.weight_v" : "backbone.masked_embed"), header);
        }
    }

    @Test
    void ibotResumesMidEpochExactly(@TempDir Path tmp) throws Exception {
        List<ImageRecord> imgs = images(12); // 3 batches per epoch
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        run(VitsslConfig.load(null, tiny(a, "pretrain.method=ibot")), imgs, 5, new ByteArrayOutputStream());
        run(VitsslConfig.load(null, tiny(b, "pretrain.method=ibot")), imgs, 4, new ByteArrayOutputStream());
        // drop the step-3 (epoch end) and step-4 checkpoints so the resume starts mid-epoch at step 2 (epoch 0, batch 2)
        for (String d : List.of("step-3", "step-4")) {
            Files.walk(b.resolve("checkpoints/" + d)).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result r = run(VitsslConfig.load(null, tiny(b, "pretrain.method=ibot")), imgs, 5, log);
        assertTrue(r.resumed(), log.toString());
        assertTrue(log.toString().contains("step 2, epoch 0, batch 2"), log.toString());
        for (String f : List.of(CheckpointStore.STUDENT, CheckpointStore.TEACHER, CheckpointStore.OPTIMIZER)) {
            assertArrayEquals(Files.readAllBytes(a.resolve("checkpoints/step-5/" + f)),
                    Files.readAllBytes(b.resolve("checkpoints/step-5/" + f)), f);
        }
    }

    @Test
    void crossChecksNameTheKey(@TempDir Path tmp) {
        assertKey("vitssl.model.mask-token",
                tiny(tmp, "pretrain.method=attmask", "mask.method=attmask-low", "model.mask-token=false"));
        assertKey("vitssl.mask.method", tiny(tmp, "pretrain.method=attmask", "mask.method=block"));
        assertKey("vitssl.model.dino-head.out-dim", tiny(tmp, "pretrain.method=dino", "model.dino-head.out-dim=0"));
        assertKey("vitssl.augment.local.size", tiny(tmp, "augment.local.size=32"));
        assertKey("vitssl.pretrain.batch-size", tiny(tmp, "pretrain.batch-size=6", "pretrain.devices=4"));
        assertKey("vitssl.pretrain.method", tiny(tmp, "pretrain.method=simclr"));
    }

    private static void assertKey(String key, List<String> overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> PretrainChecks.validate(VitsslConfig.load(null, overrides)));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
