package org.vitssl.pretrain.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdamW + per-parameter clipping + last-layer freezing against torch.optim.AdamW (fixtures/adamw.json,
 * torch 1.13), parameter by parameter after every step, then the optimizer state and its round trip.
 */
class AdamWTest {
    @SuppressWarnings("unchecked")
    @Test
    void matchesTorchAdamWWithDinoGroupsClippingAndFreezing() {
        Map<String, Object> fx = Fixtures.json("adamw.json");
        Map<String, Object> shapes = (Map<String, Object>) fx.get("shapes");
        Map<String, Object> init = (Map<String, Object>) fx.get("init");
        double clip = ((Number) fx.get("clip")).doubleValue();
        try (NDManager base = NDManager.newBaseManager()) {
            LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
            for (String n : shapes.keySet()) {
                params.put(n, Fixtures.param(base, n, new Shape(Fixtures.longs(shapes.get(n))), Fixtures.floats(init.get(n))));
            }
            AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, base);
            List<Map<String, Object>> steps = (List<Map<String, Object>>) fx.get("steps");
            List<Map<String, Object>> after = (List<Map<String, Object>>) fx.get("after");
            for (int it = 0; it < steps.size(); it++) {
                Map<String, Object> st = steps.get(it);
                Map<String, Object> grads = (Map<String, Object>) st.get("grads");
                try (NDManager sm = base.newSubManager()) {
                    Gradients.zero(params);
                    setGradients(sm, params, grads);
                    GradientClipping.clipPerParameter(params, clip);
                    boolean frozen = (Boolean) st.get("frozen");
                    opt.step(((Number) st.get("lr")).doubleValue(), ((Number) st.get("wd")).doubleValue(),
                            frozen ? ParamGroups::isLastLayer : null);
                }
                Map<String, Object> want = after.get(it);
                for (String n : params.keySet()) {
                    assertClose(Fixtures.floats(want.get(n)), params.get(n).getArray().toFloatArray(), 2e-6,
                            "step " + it + " " + n);
                }
            }
            Map<String, Object> state = (Map<String, Object>) fx.get("state");
            for (String n : params.keySet()) {
                Map<String, Object> s = (Map<String, Object>) state.get(n);
                assertEquals(((Number) s.get("step")).longValue(), opt.stepOf(n), n);
            }
            // round trip of the state into a fresh optimizer
            try (NDManager sm = base.newSubManager()) {
                LinkedHashMap<String, NDArray> arrays = opt.stateArrays(sm);
                for (String n : params.keySet()) {
                    Map<String, Object> s = (Map<String, Object>) state.get(n);
                    assertClose(Fixtures.floats(s.get("exp_avg")), arrays.get(AdamW.EXP_AVG + n).toFloatArray(), 1e-6, n);
                    assertClose(Fixtures.floats(s.get("exp_avg_sq")), arrays.get(AdamW.EXP_AVG_SQ + n).toFloatArray(), 1e-6, n);
                }
                AdamW copy = new AdamW(params, 0.9, 0.999, 1e-8, base);
                copy.loadState(arrays);
                LinkedHashMap<String, NDArray> again = copy.stateArrays(sm);
                for (String k : arrays.keySet()) {
                    assertArrayEquals(arrays.get(k).toByteArray(), again.get(k).toByteArray(), k);
                }
                copy.close();
            }
            opt.close();
        }
    }

    @Test
    void groupsAndLastLayerRule() {
        assertFalse(ParamGroups.decayed("blocks.0.attn.qkv.bias", new Shape(6)));
        assertFalse(ParamGroups.decayed("norm.weight", new Shape(6)));
        assertTrue(ParamGroups.decayed("cls_token", new Shape(1, 1, 6)));
        assertTrue(ParamGroups.decayed("pos_embed", new Shape(1, 5, 6)));
        assertTrue(ParamGroups.decayed("masked_embed", new Shape(1, 6)));
        assertTrue(ParamGroups.decayed("last_layer.weight_g", new Shape(8, 1)));
        assertTrue(ParamGroups.isLastLayer("last_layer2.weight_v"));
        assertFalse(ParamGroups.isLastLayer("mlp.2.weight"));
    }

    @Test
    void decayAllDecaysBiasesAndNormsToo() {
        // zero gradients: the Adam part of the first step is 0, so only the decoupled decay p <- p (1 - lr wd) moves p
        for (boolean all : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                LinkedHashMap<String, Parameter> p = new LinkedHashMap<>();
                p.put("fc.weight", Fixtures.param(m, "fc.weight", new Shape(1, 2), new float[] {1f, -2f}));
                p.put("fc.bias", Fixtures.param(m, "fc.bias", new Shape(2), new float[] {3f, 4f}));
                p.put("norm.weight", Fixtures.param(m, "norm.weight", new Shape(2), new float[] {1f, 1f}));
                try (NDManager sm = m.newSubManager()) {
                    setGradients(sm, p, Map.of("fc.weight", List.of(0.0, 0.0), "fc.bias", List.of(0.0, 0.0),
                            "norm.weight", List.of(0.0, 0.0)));
                }
                AdamW opt = new AdamW(p, 0.9, 0.999, 1e-8, all, m);
                opt.step(0.1, 0.5, null);
                float k = 0.95f;
                assertArrayEquals(new float[] {k, -2 * k}, p.get("fc.weight").getArray().toFloatArray(), 1e-6f);
                assertArrayEquals(all ? new float[] {3 * k, 4 * k} : new float[] {3f, 4f}, p.get("fc.bias").getArray().toFloatArray(), 1e-6f);
                assertArrayEquals(all ? new float[] {k, k} : new float[] {1f, 1f}, p.get("norm.weight").getArray().toFloatArray(), 1e-6f);
                opt.close();
            }
        }
    }

    @Test
    void emaOverCommonNamesOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> t = new LinkedHashMap<>();
            Map<String, Parameter> s = new LinkedHashMap<>();
            t.put("a", Fixtures.param(m, "a", new Shape(2), new float[] {1f, 2f}));
            s.put("a", Fixtures.param(m, "a", new Shape(2), new float[] {3f, -2f}));
            s.put("masked_embed", Fixtures.param(m, "masked_embed", new Shape(1, 2), new float[] {5f, 5f}));
            assertEquals(1, Ema.update(t, s, 0.75));
            assertArrayEquals(new float[] {0.75f * 1 + 0.25f * 3, 0.75f * 2 - 0.25f * 2}, t.get("a").getArray().toFloatArray(), 1e-7f);
        }
    }

    /** Makes each parameter's gradient exactly {@code grads[name]}: backward of sum(w * g). */
    @SuppressWarnings("unchecked")
    static void setGradients(NDManager sm, Map<String, Parameter> params, Map<String, Object> grads) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray total = null;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().getArray();
                NDArray g = sm.create(Fixtures.floats(grads.get(e.getKey())), w.getShape());
                NDArray term = w.mul(g).sum();
                total = total == null ? term : total.add(term);
            }
            gc.backward(total);
        }
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
        }
    }
}
