package org.vitssl.pretrain.loss;

/**
 * Sums a vector over all data-parallel workers (the all-reduce of the centre update). With one
 * worker it is the identity ({@link #LOCAL}). The array holds the per-worker sum of the teacher rows
 * followed by one extra element, the number of rows, so that the global mean is
 * {@code sum[0..K) / sum[K]} whatever the per-worker batch sizes are.
 */
@FunctionalInterface
public interface CenterSync {
    /** Returns the element-wise sum of {@code local} over all workers (may return {@code local} itself). */
    float[] allReduceSum(float[] local);

    /** Single worker: no communication. */
    CenterSync LOCAL = local -> local;
}
