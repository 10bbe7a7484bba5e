package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.loss.DinoLoss;
import org.vitssl.pretrain.loss.DinoTwinsLoss;
import org.vitssl.pretrain.loss.IbotLoss;
import org.vitssl.pretrain.loss.LossConfigs;
import org.vitssl.pretrain.loss.ReppasContrastiveLoss;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ConfigFactoriesTest {
    static Config load(String... overrides) {
        return VitsslConfig.load(null, List.of(overrides));
    }

    @Test
    void lossDefaultsFollowTheSpec() {
        Config c = load();
        DinoLoss dino = LossConfigs.dino(c, 16);
        assertEquals(0.1, dino.studentTemp());
        assertEquals(0.04, dino.teacherTempSchedule().at(0));
        assertEquals(0.04, dino.teacherTempSchedule().at(100));
        assertEquals(0.9, dino.centerState().momentum());
        IbotLoss ibot = LossConfigs.ibot(c, 8, 8);
        assertEquals(0.04, ibot.teacherPatchTempSchedule().at(0));
        assertEquals(0.07, ibot.teacherPatchTempSchedule().at(29), 1e-12);
        assertEquals(30, ibot.teacherTempSchedule().warmupEpochs());
        assertEquals(1.0, ibot.lambda1());
        assertEquals(0.0051, LossConfigs.barlowTwins(c).lambda());
        assertEquals(1e-5, LossConfigs.barlowTwins(c).eps());
        DinoTwinsLoss dt = LossConfigs.dinoTwins(c, 8);
        assertEquals(5e-3, dt.btLambda());
        assertEquals(2.5e-3, dt.btBeta());
        assertEquals(0.07, dt.dinoLoss().teacherTempSchedule().at(9), 1e-12);
        assertFalse(LossConfigs.reppasContrastiveEnabled(c));
        ReppasContrastiveLoss r = LossConfigs.reppasContrastive(c);
        assertEquals(ReppasContrastiveLoss.Source.STUDENT, r.source());
        assertEquals(3, r.kAnchors());
        assertEquals(0.2, r.temperature());
        assertEquals(ReppasContrastiveLoss.Source.TEACHER_DETACHED,
                LossConfigs.reppasContrastive(load("loss.reppas-contrastive.source=teacher-detached")).source());
        IbotLoss held = LossConfigs.ibot(load("loss.ibot.pred-start-epoch=3"), 8, 8);
        assertEquals(0.04, held.teacherPatchTempSchedule().at(3), 1e-12);
        assertEquals(3, held.teacherPatchTempSchedule().holdEpochs());
    }

    @Test
    void maskDefaultsFollowTheSpec() {
        Config c = load();
        MaskStrategy s = MaskConfigs.fromConfig(c);
        IbotMaskGenerator block = assertInstanceOf(IbotMaskGenerator.class, s);
        assertInstanceOf(BlockMaskGenerator.class, block.shape());
        assertEquals(16, ((BlockMaskGenerator) block.shape()).minArea(14, 14));
        assertEquals(1.0, block.keepProb());
        assertArrayEquals(new double[] {0.3}, block.ratioSampler().ratios());
        AttMaskGenerator att = assertInstanceOf(AttMaskGenerator.class, MaskConfigs.fromConfig(load("mask.method=attmask-hint")));
        assertEquals(AttMaskGenerator.Mode.HINT, att.mode());
        assertEquals(0.5, att.maskingProb());
        assertEquals(0.1, att.showMax());
        ReppasMaskGenerator rep = assertInstanceOf(ReppasMaskGenerator.class, MaskConfigs.fromConfig(load("mask.method=reppas")));
        assertEquals(11, rep.scores().get(0).layer());
        assertEquals(4, rep.scores().get(1).layer());
        assertEquals(0.5, rep.scores().get(1).power());
        assertFalse(rep.scores().get(0).accumulate());
        assertEquals(0.1, rep.ratioLo());
        assertEquals(0.5, rep.ratioHi());
        assertEquals(0.5, rep.maskingProb());
        MaskRatioSampler recipe = MaskConfigs.ratioSampler(load("mask.pred-ratio=[0, 0.3]", "mask.pred-ratio-var=[0, 0.2]",
                "loss.ibot.pred-start-epoch=2"));
        assertEquals(2, recipe.startEpoch());
        assertSame(MaskStrategy.NONE, MaskConfigs.fromConfig(load("mask.method=none")));
    }

    @Test
    void badValuesNameTheKey() {
        assertKey("vitssl.mask.method", () -> MaskConfigs.fromConfig(load("mask.method=blocks")));
        assertKey("vitssl.mask.pred-ratio-var", () -> MaskConfigs.fromConfig(load("mask.pred-ratio=[0, 0.3]")));
        assertKey("vitssl.mask.pred-ratio-var", () -> MaskConfigs.fromConfig(load("mask.pred-ratio-var=[0.5]")));
        assertKey("vitssl.mask.reppas.methods", () -> MaskConfigs.fromConfig(load("mask.method=reppas", "mask.reppas.methods=[raw, rolout_all]")));
        assertKey("vitssl.mask.reppas.layers", () -> MaskConfigs.fromConfig(load("mask.method=reppas", "mask.reppas.layers=[11]")));
        assertKey("vitssl.mask.attmask.masking-prob", () -> MaskConfigs.fromConfig(load("mask.method=attmask-low", "mask.attmask.masking-prob=1.5")));
        assertKey("vitssl.mask.block.min-aspect", () -> MaskConfigs.fromConfig(load("mask.block.min-aspect=3")));
        assertKey("vitssl.loss.dino.teacher-temp", () -> LossConfigs.dino(load("loss.dino.teacher-temp=0"), 4));
        assertKey("vitssl.loss.ibot.center-momentum2", () -> LossConfigs.ibot(load("loss.ibot.center-momentum2=2"), 4, 4));
        assertKey("vitssl.loss.reppas-contrastive.source", () -> LossConfigs.reppasContrastive(load("loss.reppas-contrastive.source=teacher")));
        assertKey("vitssl.loss.reppas-contrastive.k-anchors", () -> LossConfigs.reppasContrastive(load("loss.reppas-contrastive.k-anchors=0")));
    }

    @Test
    void snakeCaseKeysAreRejectedAndSnakeCaseValuesStillParse() {
        ConfigException old = assertThrows(ConfigException.class, () -> load("loss.ibot.pred_start_epoch=3"));
        assertTrue(old.getMessage().contains("unknown key vitssl.loss.ibot.pred_start_epoch"), old.getMessage());
        assertTrue(old.getMessage().contains("did you mean vitssl.loss.ibot.pred-start-epoch"), old.getMessage());
        assertThrows(ConfigException.class, () -> load("mask.reppas.accumulate_across_batch=true"));

        assertEquals("attmask-hint", MaskConfigs.method(load("mask.method=attmask_hint")));
        AttMaskGenerator att = assertInstanceOf(AttMaskGenerator.class, MaskConfigs.fromConfig(load("mask.method=attmask_low")));
        assertEquals(AttMaskGenerator.Mode.LOW, att.mode());
        assertEquals(ReppasContrastiveLoss.Source.TEACHER_DETACHED,
                LossConfigs.reppasContrastive(load("loss.reppas-contrastive.source=teacher_detached")).source());
        ReppasMaskGenerator rep = assertInstanceOf(ReppasMaskGenerator.class, MaskConfigs.fromConfig(
                load("mask.method=reppas", "mask.reppas.methods=[log_raw, rollout-last-reversed]")));
        assertEquals(ReppasScore.Method.LOG_RAW, rep.scores().get(0).method());
        assertEquals(ReppasScore.Method.ROLLOUT_LAST_REVERSED, rep.scores().get(1).method());
        assertEquals(ReppasScore.Method.ROLLOUT_MID, ReppasScore.Method.parse("rollout-mid"));
    }

    private static void assertKey(String key, org.junit.jupiter.api.function.Executable e) {
        ConfigException ex = assertThrows(ConfigException.class, e);
        assertTrue(ex.getMessage().contains(key), ex.getMessage());
    }

    @Test
    void strategiesRunThroughTheCommonInterface() {
        try (NDManager m = NDManager.newBaseManager()) {
            int rows = 4, h = 2, w = 3, t = h * w + 1;
            float[] a = new float[rows * 2 * t * t];
            SplittableRandom rng = new SplittableRandom(4);
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextDouble();
            NDArray att = m.create(a, new Shape(rows, 2, t, t));
            MaskStrategy high = MaskConfigs.fromConfig(load("mask.method=attmask-high", "mask.attmask.masking-prob=1.0",
                    "mask.pred-ratio=[0.5]"));
            assertTrue(high.needsAttention());
            assertEquals(List.of(3), List.copyOf(high.attentionLayers(4)));
            boolean[][] masks = high.generate(new MaskInput(rows, h, w, 0, 4, Map.of(3, att)), rng);
            for (boolean[] row : masks) assertEquals(3, PatchMasks.count(row));
            assertThrows(IllegalArgumentException.class, () -> high.generate(new MaskInput(rows, 3, 3, 0, 4, Map.of(3, att)), rng));
            MaskStrategy block = MaskConfigs.fromConfig(load());
            assertFalse(block.needsAttention());
            assertEquals(6, block.generate(MaskInput.grid(6, 14, 14, 0), rng).length);
            MaskStrategy rep = MaskConfigs.fromConfig(load("mask.method=reppas", "mask.reppas.methods=[power]",
                    "mask.reppas.layers=[-1]", "mask.reppas.powers=[0.5]"));
            assertEquals(List.of(3), List.copyOf(rep.attentionLayers(4)));
            float[][] scores = rep.scores(new MaskInput(rows, h, w, 0, 4, Map.of(3, att)));
            assertArrayEquals(AttentionScores.toRows(AttentionScores.power(att, 0.5, false))[2], scores[2]);
        }
    }

    @Test
    void everyLossAndMaskKeyIsDocumented() throws Exception {
        java.util.Enumeration<java.net.URL> urls = getClass().getClassLoader().getResources("reference.conf");
        int checked = 0;
        while (urls.hasMoreElements()) {
            java.net.URL u = urls.nextElement();
            Config ref = com.typesafe.config.ConfigFactory.parseURL(u);
            for (String section : List.of("vitssl.loss", "vitssl.mask")) {
                if (!ref.hasPath(section)) continue;
                for (Map.Entry<String, com.typesafe.config.ConfigValue> e : ref.getConfig(section).entrySet()) {
                    assertFalse(e.getValue().origin().comments().isEmpty(), section + "." + e.getKey() + " has no comment in " + u);
                    checked++;
                }
            }
        }
        assertTrue(checked > 40, "found the loss and mask sections: " + checked);
    }
}
