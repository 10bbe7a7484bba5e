package org.vitssl.pretrain.mask;

import java.util.SplittableRandom;

/**
 * Random sources for mask generation that a checkpoint can restore exactly. {@link SplittableRandom}
 * exposes no state, so instead of saving it the training loop derives a fresh generator for every
 * step from (seed, global step): {@code forStep(seed, step)}. A run resumed at step n then draws the
 * same masks as an uninterrupted run; only the seed and the step go into state.json.
 */
public final class StepRandom {
    private StepRandom() {}

    /** A generator that depends only on (seed, step); different steps give independent streams. */
    public static SplittableRandom forStep(long seed, long step) {
        return new SplittableRandom(mix(seed) ^ mix(step + 0x632BE59BD9B4E019L));
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
