package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.vitssl.pretrain.model.Fixtures.RTOL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java ViT against the PyTorch reference forward of make_model_fixtures.py (tiny: D 32, depth 2, heads 2, P 4). */
class VisionTransformerTest extends Fixtures.ManagedTest {
    static VisionTransformer loaded(Map<String, NDArray> f, boolean layerScale, NDManager m) {
        ViTConfig c = ViTConfig.of(32, 2, 2, 4, 16).withMaskToken(true).withLayerScaleInit(layerScale ? 0.1 : 0);
        VisionTransformer v = VisionTransformer.create(c, m);
        Fixtures.loadInto(v, f, "model.backbone.", true);
        return v;
    }

    @Test
    void forwardMatchesPytorch() throws Exception {
        for (String file : List.of("vit_tiny.safetensors", "vit_tiny_ls.safetensors")) {
            try (NDManager m = manager.newSubManager()) {
                Map<String, NDArray> f = Fixtures.load(file, m);
                VisionTransformer v = loaded(f, file.contains("_ls"), m);
                ViTOutput o = v.forward(null, f.get("in.x16"), null, false, new int[] {0, -1}, 2);
                Fixtures.assertClose(file + " tokens16", f.get("out.tokens16"), o.tokens(), RTOL);
                Fixtures.assertClose(file + " attn0", f.get("out.attn16.0"), o.attention(0), RTOL);
                Fixtures.assertClose(file + " attn1", f.get("out.attn16.1"), o.attention(1), RTOL);
                Fixtures.assertClose(file + " last cls attn", f.get("out.last_cls_attn16"), o.lastClsAttention(), RTOL);
                Fixtures.assertClose(file + " cls", f.get("out.tokens16").get(":, 0"), o.cls(), RTOL);
                Fixtures.assertClose(file + " patches", f.get("out.tokens16").get(":, 1:"), o.patches(), RTOL);
                assertEquals(2, o.lastBlocks().size());
                Fixtures.assertClose(file + " block 0 normed", f.get("out.block_out16.0"), o.lastBlocks().get(0), RTOL);
                Fixtures.assertClose(file + " block 1 normed", f.get("out.block_out16.1"), o.lastBlocks().get(1), RTOL);
                NDArray roll = AttentionRollout.rollout(List.of(o.attention(0), o.attention(1)), AttentionRollout.Order.FIRST_LEFT);
                Fixtures.assertClose(file + " rollout", f.get("out.rollout16"), roll, RTOL);
                Fixtures.assertClose(file + " cls rollout", f.get("out.rollout16").get(":, 0, 1:"),
                        AttentionRollout.clsRollout(List.of(o.attention(0), o.attention(1)), AttentionRollout.Order.FIRST_LEFT), RTOL);

                Fixtures.assertClose(file + " tokens8", f.get("out.tokens8"), v.forward(f.get("in.x8")).tokens(), RTOL);
                Fixtures.assertClose(file + " tokens24", f.get("out.tokens24"), v.forward(f.get("in.x24")).tokens(), RTOL);
                NDArray masked = v.forward(null, f.get("in.x16"), f.get("in.mask16"), false, new int[0], 0).tokens();
                Fixtures.assertClose(file + " tokens16 masked", f.get("out.tokens16_masked"), masked, RTOL);
            }
        }
    }

    @Test
    void interpolatedPositionEmbeddingMatchesTorchBicubic() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> f = Fixtures.load("vit_tiny.safetensors", m);
            VisionTransformer v = loaded(f, false, m);
            NDArray like = m.zeros(new ai.djl.ndarray.types.Shape(1));
            Fixtures.assertClose("pos 2x2", f.get("out.pos8"), v.positionEmbedding(null, like, 2, 2, false), RTOL);
            Fixtures.assertClose("pos 3x3", f.get("out.pos12"), v.positionEmbedding(null, like, 3, 3, false), RTOL);
            Fixtures.assertClose("pos 6x6", f.get("out.pos24"), v.positionEmbedding(null, like, 6, 6, false), RTOL);
        }
    }

    @Test
    void namesAndShapesFollowTimm() {
        try (NDManager m = manager.newSubManager()) {
            ViTConfig c = ViTConfig.of(48, 3, 3, 8, 32).withMaskToken(true).withLayerScaleInit(0.1);
            Map<String, Parameter> p = VisionTransformer.create(c, m).namedParameters();
            assertEquals("(1, 1, 48)", p.get("cls_token").getArray().getShape().toString());
            assertEquals("(1, 17, 48)", p.get("pos_embed").getArray().getShape().toString());
            assertEquals("(48, 3, 8, 8)", p.get("patch_embed.proj.weight").getArray().getShape().toString());
            assertEquals("(144, 48)", p.get("blocks.2.attn.qkv.weight").getArray().getShape().toString());
            assertEquals("(192, 48)", p.get("blocks.0.mlp.fc1.weight").getArray().getShape().toString());
            assertEquals("(48)", p.get("blocks.1.gamma_2").getArray().getShape().toString());
            assertEquals("(1, 48)", p.get("masked_embed").getArray().getShape().toString());
            assertTrue(p.containsKey("norm.bias") && p.containsKey("blocks.2.norm2.weight") && p.containsKey("blocks.0.attn.proj.bias"));
            // 2 + 2 (patch) + 3 blocks x (4 norm + 4 attn + 4 mlp + 2 gamma) + 2 (norm) + 1 (mask token)
            assertEquals(2 + 2 + 3 * 14 + 2 + 1, p.size());
            assertEquals(0f, p.get("masked_embed").getArray().abs().sum().getFloat());
            NDArray pos = p.get("pos_embed").getArray();
            double std = Math.sqrt(pos.square().mean().getFloat());
            assertTrue(std > 0.01 && std < 0.03, "pos_embed std " + std);
            float bound = (float) (1 / Math.sqrt(3 * 64));
            assertTrue(p.get("patch_embed.proj.weight").getArray().abs().max().getFloat() <= bound);
        }
    }

    @Test
    void backwardReachesEveryParameterThroughMaskAndInterpolatedPositions() {
        try (NDManager m = manager.newSubManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(11);
            ViTConfig c = ViTConfig.of(16, 2, 2, 4, 16).withMaskToken(true).withLayerScaleInit(0.1);
            VisionTransformer v = VisionTransformer.create(c, m);
            NDArray img = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, 8, 8));
            NDArray mask = m.create(new boolean[] {true, false, false, true, false, false, true, false}).reshape(2, 2, 2);
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                ViTOutput o = v.forward(null, img, mask, true, new int[] {-1}, 0);
                gc.backward(o.tokens().square().sum().add(o.lastClsAttention().sum()));
            }
            for (Map.Entry<String, Parameter> e : v.namedParameters().entrySet()) {
                float g = e.getValue().getArray().getGradient().abs().sum().getFloat();
                assertTrue(g > 0 && Float.isFinite(g), e.getKey() + " gradient " + g);
            }
        }
    }

    @Test
    void dropPathDropsWholeSamplesAndRescales() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(400, 3, 2));
            float[] y = DropPath.apply(x, 0.25, true).toFloatArray();
            int dropped = 0;
            for (int b = 0; b < 400; b++) {
                float first = y[b * 6];
                for (int j = 0; j < 6; j++) assertEquals(first, y[b * 6 + j], "sample " + b + " is not uniform");
                if (first == 0f) dropped++;
                else assertEquals(1f / 0.75f, first, 1e-6);
            }
            assertTrue(dropped > 60 && dropped < 140, "dropped " + dropped + " of 400 at rate 0.25");
            assertEquals(x, DropPath.apply(x, 0.25, false));
            double[] r = DropPath.linspace(0.1, 3);
            assertEquals(0.0, r[0]);
            assertEquals(0.05, r[1], 1e-12);
            assertEquals(0.1, r[2], 1e-12);
        }
    }
}
