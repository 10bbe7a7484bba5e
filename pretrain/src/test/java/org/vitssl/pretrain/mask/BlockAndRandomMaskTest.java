package org.vitssl.pretrain.mask;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class BlockAndRandomMaskTest {

    @Test
    void minimumBlockAreaFollowsTheGrid() {
        BlockMaskGenerator g = new BlockMaskGenerator();
        assertEquals(16, g.minArea(14, 14));
        assertEquals(4, g.minArea(6, 6));
        assertEquals(1, g.minArea(4, 8));
        assertEquals(0, g.minArea(2, 2));
        assertEquals(7, new BlockMaskGenerator(0.3, 10, 7).minArea(14, 14));
    }

    @Test
    void blocksRespectTheConstraintsAndTheBudget() {
        BlockMaskGenerator g = new BlockMaskGenerator();
        SplittableRandom rng = new SplittableRandom(7);
        int[][] grids = {{14, 14}, {6, 6}, {8, 4}};
        double[] ratios = {0.05, 0.1, 0.3, 0.5, 0.7};
        for (int[] grid : grids) {
            int gh = grid[0], gw = grid[1];
            for (double r : ratios) {
                for (int rep = 0; rep < 50; rep++) {
                    List<int[]> blocks = new ArrayList<>();
                    boolean[] m = g.mask(gh, gw, r, rng, blocks);
                    double target = r * gh * gw;
                    int count = PatchMasks.count(m);
                    assertTrue(count <= target, "masked " + count + " > T " + target);
                    boolean[] union = new boolean[gh * gw];
                    int masked = 0;
                    for (int[] b : blocks) {
                        int top = b[0], left = b[1], h = b[2], w = b[3];
                        assertTrue(h < gh && w < gw, "block " + Arrays.toString(b) + " must be strictly smaller than the grid");
                        assertTrue(h >= 1 && w >= 1);
                        assertTrue(top >= 0 && left >= 0 && top + h <= gh && left + w <= gw, "block inside the grid");
                        // h = round(sqrt(area*a)), w = round(sqrt(area/a)) for some a in [0.3, 1/0.3] and area between lo and remaining
                        double remaining = target - masked;
                        int lo = g.minArea(gh, gw);
                        double aMin = (h - 0.5) / (w + 0.5), aMax = w > 0.5 ? (h + 0.5) / (w - 0.5) : Double.MAX_VALUE;
                        assertTrue(aMax >= 0.3 - 1e-12 && aMin <= 1 / 0.3 + 1e-12, "aspect of " + Arrays.toString(b));
                        double areaMin = (h - 0.5) * (w - 0.5), areaMax = (h + 0.5) * (w + 0.5);
                        assertTrue(areaMax >= Math.min(lo, remaining) - 1e-9 && areaMin <= Math.max(lo, remaining) + 1e-9,
                                "area of " + Arrays.toString(b) + " vs [" + lo + ", " + remaining + "]");
                        int fresh = 0;
                        for (int i = top; i < top + h; i++) {
                            for (int j = left; j < left + w; j++) {
                                if (!union[i * gw + j]) { union[i * gw + j] = true; fresh++; }
                            }
                        }
                        assertTrue(fresh > 0 && fresh <= target - masked, "each accepted block adds 0 < new <= remaining");
                        masked += fresh;
                    }
                    assertArrayEquals(union, m, "the mask is exactly the union of the accepted blocks");
                }
            }
        }
    }

    @Test
    void blockMasksFillMostOfTheBudgetAndAreReproducible() {
        BlockMaskGenerator g = new BlockMaskGenerator();
        SplittableRandom rng = new SplittableRandom(11);
        double sum = 0;
        int reps = 300;
        for (int i = 0; i < reps; i++) sum += PatchMasks.count(g.mask(14, 14, 0.3, rng));
        double mean = sum / reps;
        assertTrue(mean > 0.8 * 58.8 && mean <= 58.8, "mean masked " + mean);
        assertArrayEquals(g.mask(14, 14, 0.4, new SplittableRandom(3)), g.mask(14, 14, 0.4, new SplittableRandom(3)));
        assertEquals(0, PatchMasks.count(g.mask(14, 14, 0.0, rng)));
    }

    @Test
    void randomMasksHaveExactlyFloorTCellsAndAreUniform() {
        RandomMaskGenerator g = new RandomMaskGenerator();
        SplittableRandom rng = new SplittableRandom(5);
        assertEquals(58, PatchMasks.count(g.mask(14, 14, 0.3, rng)));    // floor(58.8)
        assertEquals(10, PatchMasks.count(g.mask(6, 6, 0.3, rng)));      // floor(10.8)
        assertEquals(0, PatchMasks.count(g.mask(6, 6, 0.02, rng)));      // floor(0.72)
        assertEquals(36, PatchMasks.count(g.mask(6, 6, 1.0, rng)));
        int[] hits = new int[36];
        int reps = 4000;
        for (int i = 0; i < reps; i++) {
            boolean[] m = g.mask(6, 6, 0.25, rng);
            assertEquals(9, PatchMasks.count(m));
            for (int c = 0; c < 36; c++) if (m[c]) hits[c]++;
        }
        for (int c = 0; c < 36; c++) {
            double f = hits[c] / (double) reps;
            assertEquals(0.25, f, 0.035, "cell " + c + " frequency");
        }
    }

    @Test
    void ratioDrawFollowsIbot() {
        SplittableRandom rng = new SplittableRandom(1);
        assertEquals(0.3, MaskRatioSampler.fixed(0.3).draw(rng, 0), 0);
        MaskRatioSampler var = new MaskRatioSampler(new double[] {0.3}, new double[] {0.2}, 0);
        for (int i = 0; i < 1000; i++) {
            double r = var.draw(rng, 0);
            assertTrue(r >= 0.1 && r < 0.5);
        }
        MaskRatioSampler recipe = new MaskRatioSampler(new double[] {0, 0.3}, new double[] {0, 0.2}, 0);
        int zeros = 0;
        for (int i = 0; i < 4000; i++) {
            double r = recipe.draw(rng, 0);
            if (r == 0) zeros++;
            else assertTrue(r >= 0.1 && r < 0.5);
        }
        assertEquals(0.5, zeros / 4000.0, 0.03);
        MaskRatioSampler late = new MaskRatioSampler(new double[] {0.3}, new double[] {0}, 5);
        assertEquals(0.0, late.draw(rng, 4), 0);
        assertEquals(0.3, late.draw(rng, 5), 0);
        assertThrows(IllegalArgumentException.class, () -> new MaskRatioSampler(new double[] {0.1}, new double[] {0.2}, 0));
        assertThrows(IllegalArgumentException.class, () -> new MaskRatioSampler(new double[] {0.1, 0.2}, new double[] {0}, 0));
    }

    @Test
    void ibotGeneratorDrawsPerCropAndAppliesMaskingProbability() {
        SplittableRandom rng = new SplittableRandom(9);
        IbotMaskGenerator perCrop = new IbotMaskGenerator(new RandomMaskGenerator(),
                new MaskRatioSampler(new double[] {0, 0.3}, new double[] {0, 0.2}, 0), 1.0);
        boolean[][] ms = perCrop.generate(2000, 6, 6, 0, rng);
        int empty = 0;
        java.util.Set<Integer> counts = new java.util.HashSet<>();
        for (boolean[] m : ms) {
            int c = PatchMasks.count(m);
            if (c == 0) empty++;
            else assertTrue(c >= 3 && c <= 17, "floor(36*r) with r in [0.1, 0.5): " + c);
            counts.add(c);
        }
        assertTrue(counts.size() > 5, "the ratio is drawn per crop");
        assertTrue(empty > 900 && empty < 1150, "about half unmasked: " + empty);
        IbotMaskGenerator half = new IbotMaskGenerator(new RandomMaskGenerator(), MaskRatioSampler.fixed(0.5), 0.5);
        int cleared = 0;
        for (boolean[] m : half.generate(2000, 6, 6, 0, rng)) {
            int c = PatchMasks.count(m);
            assertTrue(c == 0 || c == 18);
            if (c == 0) cleared++;
        }
        assertEquals(1000, cleared, 80);
        for (boolean[] m : new IbotMaskGenerator(new BlockMaskGenerator(), MaskRatioSampler.fixed(0.3), 0.0).generate(20, 14, 14, 0, rng)) {
            assertEquals(0, PatchMasks.count(m));
        }
    }

    @Test
    void stepRandomIsReproduciblePerStep() {
        BlockMaskGenerator g = new BlockMaskGenerator();
        assertArrayEquals(g.mask(14, 14, 0.4, StepRandom.forStep(42, 1000)), g.mask(14, 14, 0.4, StepRandom.forStep(42, 1000)));
        assertNotEquals(StepRandom.forStep(42, 1000).nextLong(), StepRandom.forStep(42, 1001).nextLong());
        assertNotEquals(StepRandom.forStep(42, 1000).nextLong(), StepRandom.forStep(43, 1000).nextLong());
    }
}
