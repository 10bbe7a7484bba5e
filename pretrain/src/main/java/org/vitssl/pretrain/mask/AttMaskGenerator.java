package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * AttMask (ALGORITHMS.md section 5.2): masks from the teacher's last-layer CLS attention, recomputed
 * every step from the same (unmasked) teacher forward that makes the targets.
 *
 * <pre>
 *   score[b]  = mean_h A[b, h, 0, 1:]                       (AttentionScores.raw; B = 2B rows, crop-major)
 *   r         = ratio draw, ONCE per batch (MaskRatioSampler; recipes 0.3 +- 0.2)
 *   n_mask    = int(N * r)
 *   high: mask the n_mask highest scores;  low: the n_mask lowest
 *   hint: high, then r' = a second independent draw (once per batch),
 *         top set = the int(N * show-max) highest (show-max = 0.1), built for every row,
 *         reveal int(N * show-max * r') cells chosen uniformly without replacement from the top set
 *   per row: u ~ U[0,1); the row keeps its mask only when u &lt; masking-prob (0.5), else it is cleared
 * </pre>
 *
 * Ties: {@link ScoreRanking} (lower patch index first). The per-row probability is drawn for each of
 * the 2B rows independently, so both views of one image are treated independently.
 */
public final class AttMaskGenerator implements MaskStrategy {
    public enum Mode {
        HIGH, LOW, HINT;

        public static Mode parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "attmask-high": case "attmask_high": case "high": return HIGH;
                case "attmask-low": case "attmask_low": case "low": return LOW;
                case "attmask-hint": case "attmask_hint": case "hint": return HINT;
                default: throw new IllegalArgumentException("unknown AttMask mode " + s);
            }
        }
    }

    public static final double DEFAULT_MASKING_PROB = 0.5;
    public static final double DEFAULT_SHOW_MAX = 0.1;

    private final Mode mode;
    private final MaskRatioSampler ratio;
    private final double maskingProb;
    private final double showMax;

    public AttMaskGenerator(Mode mode, MaskRatioSampler ratio, double maskingProb, double showMax) {
        if (!(maskingProb >= 0 && maskingProb <= 1)) throw new IllegalArgumentException("masking-prob must be in [0, 1]");
        if (!(showMax >= 0 && showMax <= 1)) throw new IllegalArgumentException("show-max must be in [0, 1]");
        this.mode = mode;
        this.ratio = ratio;
        this.maskingProb = maskingProb;
        this.showMax = showMax;
    }

    /** From the last layer's attention (2B, heads, N+1, N+1). */
    public boolean[][] generate(NDArray lastLayerAttention, int epoch, SplittableRandom rng) {
        return generate(AttentionScores.toRows(AttentionScores.raw(lastLayerAttention)), epoch, rng);
    }

    /** From per-row scores (rows x N). */
    public boolean[][] generate(float[][] scores, int epoch, SplittableRandom rng) {
        int rows = scores.length;
        double r = ratio.draw(rng, epoch);
        double rHint = mode == Mode.HINT ? ratio.draw(rng, epoch) : 0;
        boolean[][] out = new boolean[rows][];
        for (int b = 0; b < rows; b++) {
            float[] s = scores[b];
            int n = s.length;
            int nMask = (int) (n * r);
            int[] order = mode == Mode.LOW ? ScoreRanking.ascending(s) : ScoreRanking.descending(s);
            boolean[] m = ScoreRanking.firstN(order, nMask);
            if (mode == Mode.HINT) {
                int top = (int) (n * showMax);
                int reveal = Math.min(top, (int) (n * (showMax * rHint)));
                int[] set = java.util.Arrays.copyOf(order, top);          // the top set, every row
                for (int i = 0; i < reveal; i++) {                          // partial Fisher-Yates
                    int j = i + rng.nextInt(top - i);
                    int t = set[i]; set[i] = set[j]; set[j] = t;
                    m[set[i]] = false;
                }
            }
            out[b] = m;
        }
        PatchMasks.applyMaskingProb(out, maskingProb, rng);
        return out;
    }

    /** The last block: {depth - 1}. */
    @Override
    public java.util.SortedSet<Integer> attentionLayers(int depth) {
        if (depth < 1) throw new IllegalArgumentException("AttMask needs the ViT depth, got " + depth);
        return new java.util.TreeSet<>(java.util.List.of(depth - 1));
    }

    @Override
    public boolean needsAttention() { return true; }

    @Override
    public float[][] scores(MaskInput in) {
        NDArray a = in.attentionByLayer().get(in.depth() - 1);
        if (a == null) throw new IllegalArgumentException("AttMask: the last layer's attention (layer " + (in.depth() - 1) + ") was not provided");
        float[][] s = AttentionScores.toRows(AttentionScores.raw(a));
        checkGrid(s, in);
        return s;
    }

    @Override
    public boolean[][] generate(MaskInput in, SplittableRandom rng) {
        return generate(scores(in), in.epoch(), rng);
    }

    static void checkGrid(float[][] s, MaskInput in) {
        if (s.length != in.rows() || (s.length > 0 && s[0].length != in.h() * in.w())) {
            throw new IllegalArgumentException("attention gives " + s.length + " rows of " + (s.length > 0 ? s[0].length : 0)
                    + " patches, expected " + in.rows() + " rows of " + in.h() + "x" + in.w());
        }
    }

    public Mode mode() { return mode; }
    public MaskRatioSampler ratioSampler() { return ratio; }
    public double maskingProb() { return maskingProb; }
    public double showMax() { return showMax; }
}
