package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ReppasMaskTest {
    static final float[][] A0 = {{.5f, .3f, .2f}, {.2f, .6f, .2f}, {.1f, .1f, .8f}};
    static final float[][] A1 = {{.2f, .2f, .6f}, {.3f, .3f, .4f}, {.5f, .25f, .25f}};

    /** (1, 2 heads, 3, 3) whose head mean is {@code a}: head 0 = 2a - 1/3, head 1 = 1/3. */
    static NDArray twoHeads(NDManager m, float[][] a) {
        float[] v = new float[2 * 9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) {
            v[i * 3 + j] = 2 * a[i][j] - 1f / 3;
            v[9 + i * 3 + j] = 1f / 3;
        }
        return m.create(v, new Shape(1, 2, 3, 3));
    }

    @Test
    void rolloutMatchesAHandComputed3x3Example() {
        // (A0+I)(A1+I) row 0 = [1.99, 0.74, 1.27]; (A1+I)(A0+I) row 0 = [1.9, 0.74, 1.36]
        try (NDManager m = NDManager.newBaseManager()) {
            Map<Integer, NDArray> att = new HashMap<>();
            att.put(0, twoHeads(m, A0));
            att.put(1, twoHeads(m, A1));
            float[] all = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.ROLLOUT_ALL, 0, 0, false).compute(att, 2))[0];
            assertArrayEquals(new float[] {0.74f, 1.27f}, all, 1e-5f);
            Map<Integer, NDArray> deep = new HashMap<>();       // depth 6: last = layers 4, 5; mid = 2, 3
            deep.put(4, att.get(0));
            deep.put(5, att.get(1));
            deep.put(2, att.get(1));
            deep.put(3, att.get(0));
            assertArrayEquals(new int[] {4, 5}, new ReppasScore(ReppasScore.Method.ROLLOUT_LAST, 0, 0, false).layers(6));
            assertArrayEquals(new int[] {5, 4}, new ReppasScore(ReppasScore.Method.ROLLOUT_LAST_REVERSED, 0, 0, false).layers(6));
            assertArrayEquals(new float[] {0.74f, 1.27f},
                    AttentionScores.toRows(new ReppasScore(ReppasScore.Method.ROLLOUT_LAST, 0, 0, false).compute(deep, 6))[0], 1e-5f);
            assertArrayEquals(new float[] {0.74f, 1.36f},
                    AttentionScores.toRows(new ReppasScore(ReppasScore.Method.ROLLOUT_LAST_REVERSED, 0, 0, false).compute(deep, 6))[0], 1e-5f);
            assertArrayEquals(new float[] {0.74f, 1.36f},
                    AttentionScores.toRows(new ReppasScore(ReppasScore.Method.ROLLOUT_MID, 0, 0, false).compute(deep, 6))[0], 1e-5f);
            assertArrayEquals(new int[] {4, 5, 6, 7}, new ReppasScore(ReppasScore.Method.ROLLOUT_MID, 0, 0, false).layers(12));
            assertArrayEquals(new int[] {8, 9, 10, 11}, new ReppasScore(ReppasScore.Method.ROLLOUT_LAST, 0, 0, false).layers(12));
            assertArrayEquals(new int[] {11, 10, 9, 8}, new ReppasScore(ReppasScore.Method.ROLLOUT_LAST_REVERSED, 0, 0, false).layers(12));
            assertEquals(12, new ReppasScore(ReppasScore.Method.ROLLOUT_ALL, 0, 0, false).layers(12).length);
            assertEquals(ReppasScore.Method.ROLLOUT_ALL, ReppasScore.Method.parse("rollout_all_"));
        }
    }

    /** Random positive attention (B, H, T, T). */
    static float[] randomAttention(SplittableRandom rng, int b, int h, int t) {
        float[] v = new float[b * h * t * t];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.01 + rng.nextDouble());
        return v;
    }

    @Test
    void logAndPowerFollowTheirFormulasPerImageAndAccumulating() {
        int b = 3, h = 2, t = 5, n = t - 1;
        SplittableRandom rng = new SplittableRandom(2);
        float[] v = randomAttention(rng, b, h, t);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray att = m.create(v, new Shape(b, h, t, t));
            Map<Integer, NDArray> byLayer = Map.of(3, att);
            double p = 0.5;
            float[][] logS = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.LOG_RAW, 3, 0, false).compute(byLayer, 4));
            float[][] powS = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.POWER, 3, p, false).compute(byLayer, 4));
            float[][] logAcc = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.LOG_RAW, -1, 0, true).compute(byLayer, 4));
            float[][] powAcc = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.POWER, 3, p, true).compute(byLayer, 4));
            float[][] raw = AttentionScores.toRows(new ReppasScore(ReppasScore.Method.RAW, 3, 0, false).compute(byLayer, 4));
            double[] runLog = new double[n], runPow = new double[n];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < n; j++) {
                    double sl = 0, sp = 0, sr = 0;
                    for (int k = 0; k < h; k++) {
                        double a = v[((i * h + k) * t + 0) * t + (j + 1)];
                        sl += Math.log(a);
                        sp += Math.pow(a, p);
                        sr += a;
                    }
                    runLog[j] += sl;
                    runPow[j] += sp;
                    assertEquals(sl / h, logS[i][j], 1e-5);
                    assertEquals(sp / h, powS[i][j], 1e-5);
                    assertEquals(sr / h, raw[i][j], 1e-6);
                    assertEquals(runLog[j] / h, logAcc[i][j], 1e-5, "the code's running sum over rows 0..b");
                    assertEquals(runPow[j] / h, powAcc[i][j], 1e-5);
                }
            }
            assertArrayEquals(logS[0], logAcc[0], 1e-6f);   // only row 0 agrees
        }
    }

    @Test
    void perImageRatioAndCoin() {
        ReppasMaskGenerator g = new ReppasMaskGenerator(
                List.of(new ReppasScore(ReppasScore.Method.RAW, 11, 0.5, false)), 0.1, 0.5, 0.5);
        SplittableRandom rng = new SplittableRandom(6);
        int n = 196, rows = 2000;
        float[][] s = new float[rows][n];
        for (float[] r : s) for (int i = 0; i < n; i++) r[i] = (float) rng.nextDouble();
        boolean[][] m = g.generate(s, rng);
        int empty = 0;
        java.util.Set<Integer> counts = new java.util.HashSet<>();
        for (int b = 0; b < rows; b++) {
            int c = PatchMasks.count(m[b]);
            if (c == 0) { empty++; continue; }
            assertTrue(c >= 19 && c <= 97, "int(196 r), r in [0.1, 0.5): " + c);
            counts.add(c);
            int[] order = ScoreRanking.descending(s[b]);
            for (int i = 0; i < n; i++) assertEquals(i < c, m[b][order[i]], "the top int(N r) scores are masked");
        }
        assertTrue(counts.size() > 40, "ratio drawn per image");
        assertEquals(1000, empty, 80);
    }

    @Test
    void multiLayerMasksUseOneMethodPerView() {
        int b = 2, h = 3, t = 10;
        SplittableRandom rng = new SplittableRandom(12);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l11 = m.create(randomAttention(rng, 2 * b, h, t), new Shape(2 * b, h, t, t));
            NDArray l4 = m.create(randomAttention(rng, 2 * b, h, t), new Shape(2 * b, h, t, t));
            ReppasMaskGenerator g = new ReppasMaskGenerator(List.of(
                    new ReppasScore(ReppasScore.Method.RAW, 11, 0.5, false),
                    new ReppasScore(ReppasScore.Method.RAW, 4, 0.5, false)), 0.1, 0.5, 0.5);
            assertEquals(new java.util.TreeSet<>(List.of(4, 11)), g.requiredLayers(12));
            float[][] rows = g.scoreRows(Map.of(11, l11, 4, l4), 12, 2);
            float[][] s11 = AttentionScores.toRows(AttentionScores.raw(l11));
            float[][] s4 = AttentionScores.toRows(AttentionScores.raw(l4));
            assertArrayEquals(s11[0], rows[0]);
            assertArrayEquals(s11[1], rows[1]);
            assertArrayEquals(s4[2], rows[2]);
            assertArrayEquals(s4[3], rows[3]);
            assertEquals(4, g.generate(Map.of(11, l11, 4, l4), 12, 2, rng).length);
            assertThrows(IllegalArgumentException.class, () -> g.scoreRows(Map.of(11, l11), 12, 2));
            assertThrows(IllegalArgumentException.class, () -> new ReppasScore(ReppasScore.Method.RAW, 12, 0.5, false).layers(12));
        }
    }
}
