package org.vitssl.pretrain.mask;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Reppas attention masks (ALGORITHMS.md section 5.3, {@code create_mask}) with one scoring method per
 * global view (multi-layer masking; default view 0: raw layer 11, view 1: raw layer 4).
 *
 * <pre>
 *   score of view q = scores[q].compute(teacher attention of the 2B concatenated global views)[rows of view q]
 *   per row (image-view):  r ~ U(lo, hi) (0.1, 0.5), drawn for EVERY row
 *                          mask the int(N * r) highest scores   (ties: lower patch index first)
 *                          keep the mask only when u &lt; masking-prob (0.5), u ~ U[0,1), else no mask
 * </pre>
 *
 * With a single score (the contrastive script) both views use it. The loader's block masks are not used.
 */
public final class ReppasMaskGenerator implements MaskStrategy {
    private final List<ReppasScore> perView;
    private final double ratioLo;
    private final double ratioHi;
    private final double maskingProb;

    public ReppasMaskGenerator(List<ReppasScore> perView, double ratioLo, double ratioHi, double maskingProb) {
        if (perView.isEmpty()) throw new IllegalArgumentException("at least one mask method");
        if (!(ratioLo >= 0 && ratioLo <= ratioHi && ratioHi <= 1)) throw new IllegalArgumentException("ratio range must satisfy 0 <= lo <= hi <= 1");
        if (!(maskingProb >= 0 && maskingProb <= 1)) throw new IllegalArgumentException("masking-prob must be in [0, 1]");
        this.perView = List.copyOf(perView);
        this.ratioLo = ratioLo;
        this.ratioHi = ratioHi;
        this.maskingProb = maskingProb;
    }

    public List<ReppasScore> scores() { return perView; }

    /** The attention layers the teacher forward must return for a ViT of {@code depth} blocks. */
    public TreeSet<Integer> requiredLayers(int depth) {
        return ReppasScore.union(perView, depth);
    }

    @Override
    public java.util.SortedSet<Integer> attentionLayers(int depth) {
        return requiredLayers(depth);
    }

    @Override
    public boolean needsAttention() { return true; }

    /** Scores of the 2 global views (rows crop-major), each view's own method. */
    @Override
    public float[][] scores(MaskInput in) {
        float[][] s = scoreRows(in.attentionByLayer(), in.depth(), 2);
        AttMaskGenerator.checkGrid(s, in);
        return s;
    }

    @Override
    public boolean[][] generate(MaskInput in, SplittableRandom rng) {
        return generate(scores(in), rng);
    }

    /** The score of view {@code q} (its method applied to all rows, then the rows of that view). */
    public ReppasScore scoreOfView(int q) {
        return perView.size() == 1 ? perView.get(0) : perView.get(q);
    }

    /** Per-row scores (views*B rows, crop-major) as Java arrays. */
    public float[][] scoreRows(Map<Integer, NDArray> attentionByLayer, int depth, int views) {
        if (perView.size() != 1 && perView.size() != views) {
            throw new IllegalArgumentException(perView.size() + " mask methods for " + views + " global views");
        }
        float[][] out = null;
        for (int q = 0; q < views; q++) {
            if (q > 0 && perView.size() == 1) break;
            float[][] all = AttentionScores.toRows(scoreOfView(q).compute(attentionByLayer, depth));
            if (all.length % views != 0) throw new IllegalArgumentException("attention rows " + all.length + " are not views*B");
            if (out == null) out = new float[all.length][];
            int b = all.length / views;
            for (int v = 0; v < views; v++) {
                if (perView.size() == 1 || v == q) System.arraycopy(all, v * b, out, v * b, b);
            }
        }
        return out;
    }

    /** Masks for views*B rows (crop-major) from the teacher attention. */
    public boolean[][] generate(Map<Integer, NDArray> attentionByLayer, int depth, int views, SplittableRandom rng) {
        return generate(scoreRows(attentionByLayer, depth, views), rng);
    }

    /** Masks from already computed per-row scores. */
    public boolean[][] generate(float[][] scores, SplittableRandom rng) {
        boolean[][] out = new boolean[scores.length][];
        for (int b = 0; b < scores.length; b++) {
            double r = MaskRatioSampler.uniform(rng, ratioLo, ratioHi);
            int n = (int) (scores[b].length * r);
            out[b] = ScoreRanking.firstN(ScoreRanking.descending(scores[b]), n);
        }
        PatchMasks.applyMaskingProb(out, maskingProb, rng);
        return out;
    }

    public double ratioLo() { return ratioLo; }
    public double ratioHi() { return ratioHi; }
    public double maskingProb() { return maskingProb; }
}
