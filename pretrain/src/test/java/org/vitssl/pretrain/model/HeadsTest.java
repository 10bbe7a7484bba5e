package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Heads against the PyTorch reference of make_model_fixtures.py (in 32, hidden 48, bottleneck 16, K 24, K2 20). */
class HeadsTest {
    static final double RTOL = 1e-5;
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static void loadInto(NamedParameters block, Map<String, NDArray> f, String prefix) {
        SafetensorsIO.LoadReport r = SafetensorsIO.load(block, f, prefix, true);
        assertTrue(r.unexpected().isEmpty(), r.toString());
    }

    @Test
    void dinoHeadMatches() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("heads.safetensors", m);
            DinoHead h = new DinoHead(32, 24, false, false, 3, 48, 16);
            h.initialize(m);
            assertEquals(List.of("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "mlp.4.weight", "mlp.4.bias",
                    "last_layer.weight_g", "last_layer.weight_v"), List.copyOf(h.namedParameters().keySet()));
            loadInto(h, f, "dino.");
            Fixtures.assertClose("dino head", f.get("out.dino"), h.forward(null, f.get("in.x"), false), RTOL);
        }
    }

    @Test
    void dinoHeadWithBatchNormInTrainingModeMatchesAndUpdatesRunningStats() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("heads.safetensors", m);
            DinoHead h = new DinoHead(32, 24, true, true, 3, 48, 16);
            h.initialize(m);
            assertTrue(h.namedParameters().containsKey("mlp.3.weight") && h.namedParameters().containsKey("mlp.4.bias"));
            assertTrue(h.namedBuffers().containsKey("mlp.1.running_var"));
            loadInto(h, f, "dinobn.");
            Fixtures.assertClose("dino head bn", f.get("out.dinobn"), h.forward(null, f.get("in.x"), true), RTOL);
            Map<String, NDArray> buf = h.namedBuffers();
            for (String k : List.of("mlp.1.running_mean", "mlp.1.running_var", "mlp.4.running_mean", "mlp.4.running_var")) {
                Fixtures.assertClose(k, f.get("out.dinobn." + k), buf.get(k), RTOL);
            }
            assertEquals(4L, buf.get("mlp.1.num_batches_tracked").getLong());
        }
    }

    @Test
    void frozenNormLastLayerKeepsGAtOneWithoutGradient() {
        try (NDManager m = manager.newSubManager()) {
            Engine.getInstance().setRandomSeed(3);
            DinoHead h = new DinoHead(8, 5, false, true, 3, 12, 4);
            h.initialize(m);
            Map<String, Parameter> p = h.namedParameters();
            assertFalse(p.get("last_layer.weight_g").requiresGradient());
            assertTrue(p.get("last_layer.weight_v").requiresGradient());
            assertEquals(5f, p.get("last_layer.weight_g").getArray().sum().getFloat());
            assertTrue(p.get("last_layer.weight_v").getArray().abs().max().getFloat() <= 0.5f);
            NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(3, 8));
            // With g = 1 every logit is a cosine similarity.
            assertTrue(h.forward(null, x, false).abs().max().getFloat() <= 1f + 1e-6f);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = h.forward(null, x, true);
                gc.backward(y.sum());
            }
            assertTrue(p.get("last_layer.weight_v").getArray().getGradient().abs().sum().getFloat() > 0);
        }
    }

    @Test
    void ibotHeadMatchesForTokensAndCls() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("heads.safetensors", m);
            IbotHead h = new IbotHead(32, 24, 20, false, false, 3, 48, 16, "gelu");
            h.initialize(m);
            assertTrue(h.namedParameters().containsKey("last_layer2.weight_v"));
            loadInto(h, f, "ibot.");
            NDList out = h.forwardAll(null, f.get("in.tokens"), false);
            Fixtures.assertClose("ibot cls", f.get("out.ibot.cls"), out.get(0), RTOL);
            Fixtures.assertClose("ibot patches", f.get("out.ibot.patch"), out.get(1), RTOL);
            NDList cls2d = h.forwardAll(null, f.get("in.x"), false);
            assertEquals(1, cls2d.size());
            Fixtures.assertClose("ibot 2-d", f.get("out.ibot.cls2d"), cls2d.get(0), RTOL);

            IbotHead shared = new IbotHead(32, 24, 24, true, false, 3, 48, 16, "gelu");
            shared.initialize(m);
            assertTrue(shared.shared());
            assertFalse(shared.namedParameters().keySet().stream().anyMatch(k -> k.startsWith("last_layer2")));
            NDList s = shared.forwardAll(null, f.get("in.tokens"), false);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 4, 24), s.get(1).getShape());
        }
    }

    @Test
    void barlowProjectorInTrainingModeMatches() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("heads.safetensors", m);
            BarlowProjector b = new BarlowProjector(32, new long[] {40, 40, 24});
            b.initialize(m);
            assertEquals(List.of("0.weight", "1.weight", "1.bias", "3.weight", "4.weight", "4.bias", "6.weight"),
                    List.copyOf(b.namedParameters().keySet()));
            loadInto(b, f, "barlow.");
            Fixtures.assertClose("barlow", f.get("out.barlow"), b.forward(null, f.get("in.x"), true), RTOL);
            Fixtures.assertClose("barlow rm", f.get("out.barlow.1.running_mean"), b.namedBuffers().get("1.running_mean"), RTOL);
            Fixtures.assertClose("barlow rv", f.get("out.barlow.4.running_var"), b.namedBuffers().get("4.running_var"), RTOL);
        }
    }

    @Test
    void dinoTwinsHeadsMatch() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("heads.safetensors", m);
            DinoTwinsHead h = new DinoTwinsHead(32, 24, 48, 16);
            h.initialize(m);
            loadInto(h, f, "twins.");
            Fixtures.assertClose("twins head", f.get("out.twins"), h.forward(null, f.get("in.x"), false), RTOL);
            DinoTwinsProjector p = new DinoTwinsProjector(32, 48, 20);
            p.initialize(m);
            loadInto(p, f, "twinsproj.");
            Fixtures.assertClose("twins projector", f.get("out.twinsproj"), p.forward(null, f.get("in.x"), false), RTOL);
        }
    }

    @Test
    void forwardsLeaveNothingInTheModelManager() {
        try (NDManager models = manager.newSubManager(); NDManager data = manager.newSubManager()) {
            VisionTransformer v = VisionTransformer.create(ViTConfig.of(16, 2, 2, 4, 16).withMaskToken(true).withDropPathRate(0.2), models);
            DinoHead dino = new DinoHead(16, 10, true, true, 3, 12, 8);
            dino.initialize(models);
            IbotHead ibot = new IbotHead(16, 10, 6, false, false, 3, 12, 8, "gelu");
            ibot.initialize(models);
            BarlowProjector barlow = new BarlowProjector(16, new long[] {8, 8});
            barlow.initialize(models);
            java.util.Set<String> beforeIds = new java.util.HashSet<>();
            for (NDArray a : models.getManagedArrays()) beforeIds.add(a.getUid());
            int before = beforeIds.size();
            for (boolean training : new boolean[] {true, false}) {
                try (NDManager step = data.newSubManager()) {
                    NDArray img = step.randomNormal(new ai.djl.ndarray.types.Shape(3, 3, 8, 8));
                    NDArray mask = step.create(new boolean[12]).reshape(3, 2, 2);
                    ViTOutput o = v.forward(null, img, mask, training, new int[] {0, 1}, 2);
                    dino.forward(null, o.cls(), training);
                    ibot.forwardAll(null, o.tokens(), training);
                    barlow.forward(null, o.cls(), training);
                    ai.djl.ndarray.NDArray roll = AttentionRollout.rollout(List.of(o.attention(0), o.attention(1)), AttentionRollout.Order.LAST_LEFT);
                    roll.sum().getFloat();
                }
            }
            List<NDArray> after = models.getManagedArrays();
            StringBuilder extra = new StringBuilder();
            for (NDArray a : after) {
                if (!beforeIds.contains(a.getUid())) extra.append(a.getShape()).append(a.getDataType()).append(' ');
            }
            assertEquals(before, after.size(), "forward results must live in the input's manager; extra: " + extra);
        }
    }

    @Test
    void badModelConfigNamesTheKey() {
        Config ref = ConfigFactory.defaultReference();
        com.typesafe.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> ViTConfig.fromConfig(ConfigFactory.parseString("vitssl.model.arch = custom").withFallback(ref).resolve()));
        assertTrue(e.getMessage().contains("vitssl.model.arch"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> ViTConfig.fromConfig(ConfigFactory.parseString("vitssl.model { arch = vit_small, embed-dim = 100 }").withFallback(ref).resolve()));
        assertTrue(e.getMessage().contains("vitssl.model.embed-dim"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> ViTConfig.fromConfig(ConfigFactory.parseString("vitssl.model { img-size = 100 }").withFallback(ref).resolve()));
        assertTrue(e.getMessage().contains("vitssl.model.img-size"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> ViTConfig.fromConfig(ConfigFactory.parseString("vitssl.model { arch = vit_huge }").withFallback(ref).resolve()));
        assertTrue(e.getMessage().contains("vitssl.model.arch"), e.getMessage());
    }

    @Test
    void headsAndBackboneBuildFromTheReferenceConfig() {
        Config root = ConfigFactory.parseString("vitssl.model { arch = custom, embed-dim = 24, depth = 2, num-heads = 3,"
                + " patch-size = 4, img-size = 16, dino-head.out-dim = 10, dino-head.hidden-dim = 8, dino-head.bottleneck-dim = 4,"
                + " ibot-head { out-dim = 6, patch-out-dim = 6, hidden-dim = 8, bottleneck-dim = 4 },"
                + " barlow-projector.sizes = [8, 8, 8], dino-twins { out-dim = 5, hidden-dim = 8, bottleneck-dim = 4, projector-dim = 7 } }")
                .withFallback(ConfigFactory.defaultReference()).resolve();
        ViTConfig vc = ViTConfig.fromConfig(root);
        assertEquals(24, vc.dim());
        assertEquals(0.1, vc.dropPathRate());
        try (NDManager m = manager.newSubManager()) {
            Config mc = root.getConfig("vitssl.model");
            for (NamedBlock b : List.of(DinoHead.fromConfig(24, mc.getConfig("dino-head")), IbotHead.fromConfig(24, mc.getConfig("ibot-head")),
                    BarlowProjector.fromConfig(24, mc.getConfig("barlow-projector")), DinoTwinsHead.fromConfig(24, mc.getConfig("dino-twins")),
                    DinoTwinsProjector.fromConfig(24, mc.getConfig("dino-twins")))) {
                b.initialize(m);
                assertFalse(b.namedParameters().isEmpty());
            }
            ViTConfig small = ViTConfig.fromConfig(ConfigFactory.defaultReference().resolve());
            assertEquals(384, small.dim());
            assertEquals(6, small.heads());
            assertEquals(196, small.numPatches());
        }
    }
}
