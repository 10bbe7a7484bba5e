package org.vitssl.pretrain.mask;

import java.util.SplittableRandom;

/**
 * iBOT {@code pred_shape = 'rand'} (ALGORITHMS.md section 5.1): for a target T = r*H*W, exactly floor(T)
 * cells chosen uniformly without replacement (a partial Fisher-Yates shuffle).
 */
public final class RandomMaskGenerator implements ShapeMaskGenerator {
    @Override
    public boolean[] mask(int h, int w, double ratio, SplittableRandom rng) {
        int n = h * w;
        int k = (int) Math.floor(ratio * h * w);
        k = Math.max(0, Math.min(n, k));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        boolean[] mask = new boolean[n];
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            mask[idx[i]] = true;
        }
        return mask;
    }
}
