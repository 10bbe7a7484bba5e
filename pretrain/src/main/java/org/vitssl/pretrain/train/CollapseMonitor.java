package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;

/**
 * Teacher-output entropy against ln K (DINO's collapse diagnostics): the mean per-sample entropy
 * H(p_i) = -sum_k p_ik ln p_ik reaches ln K when the teacher is uniform (collapse by flattening), and the
 * entropy of the batch-mean distribution H(mean_i p_i) falls to 0 when every sample picks the same output
 * (collapse by one dimension dominating). Healthy training keeps the first well below ln K and the second high.
 */
public final class CollapseMonitor {
    private CollapseMonitor() {}

    /** Result; {@code lnK} for reference. */
    public record Reading(double sampleEntropy, double meanEntropy, double lnK) {
        public String verdict() {
            if (sampleEntropy > 0.98 * lnK) return "COLLAPSE? teacher output near uniform";
            if (meanEntropy < 0.05 * lnK) return "COLLAPSE? one output dimension dominates";
            return "ok";
        }
    }

    /**
     * SimSiam's collapse check for a method without a teacher distribution (Barlow Twins): the mean over
     * dimensions of the per-dimension standard deviation (unbiased) of the L2-normalised embedding rows. Healthy
     * embeddings spread over the sphere give about 1/sqrt(d); a collapse to one point gives 0.
     */
    public record StdReading(double meanStd, double reference) {
        public String verdict() {
            return meanStd < 0.1 * reference ? "COLLAPSE? embeddings concentrate on one point" : "ok";
        }
    }

    /** {@code z}: (N, d) embedding rows, N >= 2. */
    public static StdReading readStd(NDArray z) {
        long d = z.getShape().get(z.getShape().dimension() - 1);
        try (NDArray x = z.reshape(-1, d).stopGradient();
             NDArray norm = x.norm(new int[] {1}, true).maximum(1e-12f);
             NDArray u = x.div(norm);
             NDArray c = u.sub(u.mean(new int[] {0}, true));
             NDArray var = c.square().sum(new int[] {0}).div((float) Math.max(1, x.getShape().get(0) - 1));
             NDArray std = var.sqrt();
             NDArray m = std.mean()) {
            return new StdReading(m.getFloat(), 1.0 / Math.sqrt(d));
        }
    }

    /** {@code probs}: (N, K) rows of probabilities. */
    public static Reading read(NDArray probs) {
        long k = probs.getShape().get(probs.getShape().dimension() - 1);
        try (NDArray p = probs.reshape(-1, k);
             NDArray logp = p.clip(1e-12f, 1f).log();
             NDArray plogp = p.mul(logp);
             NDArray hs = plogp.sum(new int[] {1}).neg();
             NDArray hsm = hs.mean();
             NDArray mean = p.mean(new int[] {0});
             NDArray lm = mean.clip(1e-12f, 1f).log();
             NDArray ml = mean.mul(lm);
             NDArray hm = ml.sum().neg()) {
            return new Reading(hsm.getFloat(), hm.getFloat(), Math.log(k));
        }
    }
}
