package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class AttMaskGeneratorTest {
    static final int N = 20;

    /** score[i] = i for row 0 (highest = 19), reversed for row 1. */
    static float[][] scores() {
        float[][] s = new float[2][N];
        for (int i = 0; i < N; i++) { s[0][i] = i; s[1][i] = N - i; }
        return s;
    }

    @Test
    void highMasksTheTopIntNrLowTheBottom() {
        AttMaskGenerator high = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH, MaskRatioSampler.fixed(0.33), 1.0, 0.1);
        boolean[][] m = high.generate(scores(), 0, new SplittableRandom(1));
        int n = (int) (N * 0.33);   // 6
        assertEquals(6, n);
        for (int i = 0; i < N; i++) {
            assertEquals(i >= N - n, m[0][i], "row 0 cell " + i);
            assertEquals(i < n, m[1][i], "row 1 cell " + i);
        }
        AttMaskGenerator low = new AttMaskGenerator(AttMaskGenerator.Mode.LOW, MaskRatioSampler.fixed(0.33), 1.0, 0.1);
        boolean[][] l = low.generate(scores(), 0, new SplittableRandom(1));
        for (int i = 0; i < N; i++) {
            assertEquals(i < n, l[0][i]);
            assertEquals(i >= N - n, l[1][i]);
        }
    }

    @Test
    void tiesMaskTheLowerPatchIndexFirst() {
        float[] s = new float[N];
        s[3] = 5; s[7] = 5; s[12] = 5; s[15] = 5;   // four tied maxima, 2 to mask
        AttMaskGenerator high = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH, MaskRatioSampler.fixed(0.1), 1.0, 0.1);
        boolean[] m = high.generate(new float[][] {s}, 0, new SplittableRandom(1))[0];
        assertTrue(m[3] && m[7]);
        assertEquals(2, PatchMasks.count(m));
        AttMaskGenerator low = new AttMaskGenerator(AttMaskGenerator.Mode.LOW, MaskRatioSampler.fixed(0.1), 1.0, 0.1);
        boolean[] lm = low.generate(new float[][] {s}, 0, new SplittableRandom(1))[0];
        assertTrue(lm[0] && lm[1], "equal low scores: indices 0 and 1 first");
        assertEquals(2, PatchMasks.count(lm));
        assertArrayEquals(new int[] {3, 7, 12, 15, 0, 1}, java.util.Arrays.copyOf(ScoreRanking.descending(s), 6));
    }

    @Test
    void ratioIsDrawnOncePerBatch() {
        AttMaskGenerator g = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH,
                new MaskRatioSampler(new double[] {0.3}, new double[] {0.2}, 0), 1.0, 0.1);
        SplittableRandom rng = new SplittableRandom(3);
        java.util.Set<Integer> perBatch = new java.util.HashSet<>();
        for (int rep = 0; rep < 50; rep++) {
            float[][] s = new float[16][N];
            for (float[] row : s) for (int i = 0; i < N; i++) row[i] = (float) rng.nextDouble();
            boolean[][] m = g.generate(s, 0, rng);
            int c0 = PatchMasks.count(m[0]);
            for (boolean[] row : m) assertEquals(c0, PatchMasks.count(row), "every row shares r");
            assertTrue(c0 >= 2 && c0 <= 9);   // int(20*r), r in [0.1, 0.5)
            perBatch.add(c0);
        }
        assertTrue(perBatch.size() > 3, "r changes between batches");
    }

    @Test
    void hintRevealsIntNShowMaxRPrimeCellsOfTheTopSet() {
        int n = 196;
        // fixed ratio 0.4 for both draws: n_mask = int(196*0.4) = 78, top set int(19.6) = 19, reveal int(196*0.04) = 7
        AttMaskGenerator hint = new AttMaskGenerator(AttMaskGenerator.Mode.HINT, MaskRatioSampler.fixed(0.4), 1.0, 0.1);
        SplittableRandom rng = new SplittableRandom(4);
        float[][] s = new float[8][n];
        for (float[] row : s) for (int i = 0; i < n; i++) row[i] = (float) rng.nextDouble();
        boolean[][] m = hint.generate(s, 0, rng);
        java.util.Set<String> patterns = new java.util.HashSet<>();
        for (int b = 0; b < s.length; b++) {
            int[] order = ScoreRanking.descending(s[b]);
            assertEquals(78 - 7, PatchMasks.count(m[b]));
            int revealed = 0;
            StringBuilder p = new StringBuilder();
            for (int i = 0; i < 78; i++) {
                if (!m[b][order[i]]) {
                    assertTrue(i < 19, "revealed cells come from the top int(N*show_max) set");
                    revealed++;
                    p.append(i).append(',');
                }
            }
            assertEquals(7, revealed);
            for (int i = 78; i < n; i++) assertFalse(m[b][order[i]]);
            patterns.add(p.toString());
        }
        assertTrue(patterns.size() > 1, "reveals are drawn per row");
        // the reveal count uses a second, independent draw: with var > 0 it varies while n_mask is fixed per batch
        AttMaskGenerator varied = new AttMaskGenerator(AttMaskGenerator.Mode.HINT,
                new MaskRatioSampler(new double[] {0.3}, new double[] {0.2}, 0), 1.0, 0.1);
        int differs = 0;
        for (int rep = 0; rep < 200; rep++) {
            boolean[][] v = varied.generate(s, 0, rng);
            int batchRevealed = -1, batchMask = -1;
            for (int b = 0; b < s.length; b++) {
                int[] order = ScoreRanking.descending(s[b]);
                int revealed = 0;
                for (int i = 0; i < 19; i++) if (!v[b][order[i]]) revealed++;
                int nMask = PatchMasks.count(v[b]) + revealed;     // n_mask >= 19 for r >= 0.1
                assertTrue(revealed >= 1 && revealed <= 9, "int(196*0.1*r') with r' in [0.1, 0.5): " + revealed);
                if (b == 0) { batchRevealed = revealed; batchMask = nMask; }
                assertEquals(batchRevealed, revealed, "r' is drawn once per batch");
                assertEquals(batchMask, nMask, "r is drawn once per batch");
            }
            if (batchRevealed != (int) (196 * (0.1 * (batchMask / 196.0)))) differs++;
        }
        assertTrue(differs > 100, "the reveal count does not follow the masking ratio: " + differs);
    }

    @Test
    void maskingProbabilityClearsWholeRows() {
        AttMaskGenerator g = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH, MaskRatioSampler.fixed(0.5), 0.5, 0.1);
        SplittableRandom rng = new SplittableRandom(8);
        float[][] s = new float[2000][N];
        for (float[] row : s) for (int i = 0; i < N; i++) row[i] = (float) rng.nextDouble();
        int cleared = 0;
        for (boolean[] row : g.generate(s, 0, rng)) {
            int c = PatchMasks.count(row);
            assertTrue(c == 0 || c == 10);
            if (c == 0) cleared++;
        }
        assertEquals(1000, cleared, 80);
        AttMaskGenerator before = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH,
                new MaskRatioSampler(new double[] {0.3}, new double[] {0}, 2), 1.0, 0.1);
        for (boolean[] row : before.generate(s, 1, rng)) assertEquals(0, PatchMasks.count(row));
    }

    @Test
    void scoresComeFromTheClsRowWithoutTheClsColumnAveragedOverHeads() {
        try (NDManager m = NDManager.newBaseManager()) {
            // B=1, heads=2, N=3: row 0 of head 0 = [.1 .2 .3 .4], head 1 = [.3 .4 .1 .2]
            float[] a = new float[2 * 4 * 4];
            float[][] rows0 = {{.1f, .2f, .3f, .4f}, {.3f, .4f, .1f, .2f}};
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < 4; j++) a[h * 16 + j] = rows0[h][j];
                for (int i = 1; i < 4; i++) for (int j = 0; j < 4; j++) a[h * 16 + i * 4 + j] = 0.25f;
            }
            NDArray att = m.create(a, new Shape(1, 2, 4, 4));
            float[] s = AttentionScores.toRows(AttentionScores.raw(att))[0];
            assertArrayEquals(new float[] {0.3f, 0.2f, 0.3f}, s, 1e-7f);
            // high with n_mask = int(3*0.34) = 1: tie between patches 0 and 2 -> patch 0
            AttMaskGenerator g = new AttMaskGenerator(AttMaskGenerator.Mode.HIGH, MaskRatioSampler.fixed(0.34), 1.0, 0.1);
            assertArrayEquals(new boolean[] {true, false, false}, g.generate(att, 0, new SplittableRandom(0))[0]);
            NDArray arr = PatchMasks.toArray(m, new boolean[][] {{true, false, false, true}}, 2, 2);
            assertEquals(new Shape(1, 2, 2), arr.getShape());
            assertArrayEquals(new boolean[] {true, false, false, true}, PatchMasks.fromArray(arr)[0]);
        }
    }
}
