package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vitssl.pretrain.mask.ScoreRanking;

import java.util.Locale;

/**
 * The Reppas "contrastive third term" L3 (ALGORITHMS.md section 4.5), added to the iBOT loss.
 *
 * <pre>
 *   per image b and view v in {1, 2}: sort the view's patch scores descending (the masking score,
 *     e.g. raw layer 11; ties: lower patch index first, see ScoreRanking)
 *     positives P = top-k of view 1 and top-k of view 2            (2k vectors)
 *     negatives M = bottom-k of view 1 and bottom-k of view 2      (2k vectors)
 *   vectors: patch probability vectors, L2-normalised; s(.,.) = cosine similarity
 *   term1 = -(1/tau) sum_b sum_{t != l in P} s(p_t, p_l)
 *   term2 =          sum_b sum_{t in P} sum_{l in P, l != t} log( s(p_t, p_l) + sum_{j in M} exp(s(p_t, n_j)/tau) )
 *   L3    = lambda3 * (term1 + term2) / (2k * B)                   lambda3 = 1, tau = 0.2, k = 3
 * </pre>
 *
 * The positive inside the log is the raw cosine (not exp(s/tau)), as in the reference.
 *
 * <p>{@link Source#STUDENT} (default, the intended behaviour): the vectors are the student's patch
 * probabilities softmax(s_patch / tau_s), so L3 trains the student. {@link Source#TEACHER_DETACHED}
 * (the reference code): the vectors are the teacher's patch probabilities
 * softmax((t_patch - c2) / tau_t2) (as used by the iBOT loss of the step), which carry no gradient, so
 * L3 only changes the logged loss value.
 */
public final class ReppasContrastiveLoss {
    public enum Source {
        STUDENT, TEACHER_DETACHED;

        public static Source parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "student": return STUDENT;
                case "teacher-detached": case "teacher_detached": return TEACHER_DETACHED;
                default: throw new IllegalArgumentException("unknown contrastive source '" + s + "' (student | teacher-detached)");
            }
        }
    }

    private final double lambda3;
    private final double tau;
    private final int k;
    private final Source source;

    public ReppasContrastiveLoss(double lambda3, double tau, int k, Source source) {
        if (!(lambda3 >= 0)) throw new IllegalArgumentException("lambda3 must be >= 0");
        if (!(tau > 0)) throw new IllegalArgumentException("temperature must be > 0");
        if (k < 1) throw new IllegalArgumentException("k-anchors must be >= 1");
        this.lambda3 = lambda3;
        this.tau = tau;
        this.k = k;
        this.source = source;
    }

    public ReppasContrastiveLoss() {
        this(1.0, 0.2, 3, Source.STUDENT);
    }

    /**
     * L3 on the configured source.
     *
     * @param ibot         the iBOT result of this step (its teacher patch probabilities for TEACHER_DETACHED)
     * @param studentPatch student patch logits (2B, N, K2)
     * @param studentTemp  the student temperature tau_s (0.1)
     * @param scores       per-row patch scores (2B rows of N), crop-major
     */
    public NDArray forward(IbotLoss.Result ibot, NDArray studentPatch, double studentTemp, float[][] scores) {
        NDArray probs = source == Source.STUDENT
                ? Scalars.div(studentPatch, (float) studentTemp).softmax(-1)
                : ibot.teacherPatchProbs().stopGradient();
        return fromProbabilities(probs, scores);
    }

    /** L3 from patch probability vectors (2B, N, K2) and per-row scores (2B x N). */
    public NDArray fromProbabilities(NDArray probs, float[][] scores) {
        Shape s = probs.getShape();
        if (s.dimension() != 3 || s.get(0) % 2 != 0 || scores.length != s.get(0)) {
            throw new IllegalArgumentException("contrastive term: probabilities " + s + " must be (2B, N, K2) with 2B score rows, got "
                    + scores.length + " rows");
        }
        long[][] a = anchors(scores, (int) s.get(1));
        NDManager m = probs.getManager();
        NDArray flat = probs.reshape(-1, s.get(2));
        return fromAnchorVectors(flat.get(new NDIndex("{}", m.create(a[0]).duplicate())), flat.get(new NDIndex("{}", m.create(a[1]).duplicate())));
    }

    /**
     * The anchors of per-row scores (2B rows of N, crop-major): {positives, negatives}, each B * 2k flat positions
     * {@code row * N + i}, image-major (image b: the k of view 1, then the k of view 2).
     */
    public long[][] anchors(float[][] scores, int n) {
        if (scores.length % 2 != 0) throw new IllegalArgumentException("contrastive term: " + scores.length + " score rows, expected 2B");
        int b = scores.length / 2;
        if (2 * k > n) throw new IllegalArgumentException("k-anchors " + k + " needs at least 2k = " + (2 * k) + " patches, got " + n);
        long[] pos = new long[b * 2 * k], neg = new long[b * 2 * k];
        int o = 0;
        for (int img = 0; img < b; img++) {
            for (int view = 0; view < 2; view++) {
                int row = view * b + img;
                if (scores[row].length != n) throw new IllegalArgumentException("score row " + row + " has " + scores[row].length + " values, expected " + n);
                int[] order = ScoreRanking.descending(scores[row]);
                for (int i = 0; i < k; i++) {
                    pos[o + i] = (long) row * n + order[i];
                    neg[o + i] = (long) row * n + order[n - k + i];
                }
                o += k;
            }
        }
        return new long[][] {pos, neg};
    }

    /**
     * L3 from the probability vectors at the anchors of {@link #anchors}: positives and negatives (B * 2k, K2)
     * each, in that order.
     */
    public NDArray fromAnchorVectors(NDArray positives, NDArray negatives) {
        Shape s = positives.getShape();
        if (s.dimension() != 2 || s.get(0) % (2L * k) != 0 || !s.equals(negatives.getShape())) {
            throw new IllegalArgumentException("contrastive term: anchor vectors " + s + " and " + negatives.getShape()
                    + " must both be (B*2k, K2) with k = " + k);
        }
        int b = (int) (s.get(0) / (2L * k));
        long k2 = s.get(1);
        NDManager m = positives.getManager();
        NDArray p = normalise(positives.reshape(b, 2 * k, k2));
        NDArray q = normalise(negatives.reshape(b, 2 * k, k2));
        NDArray spp = p.matMul(p.transpose(0, 2, 1));                                 // (B, 2k, 2k)
        NDArray spm = p.matMul(q.transpose(0, 2, 1));                                 // (B, 2k, 2k)
        NDArray off = m.eye(2 * k).neg().add(1f).toType(spp.getDataType(), false).expandDims(0);
        NDArray term1 = Scalars.mul(spp.mul(off).sum(), (float) (-1.0 / tau));
        NDArray negSum = Scalars.div(spm, (float) tau).exp().sum(new int[] {2}, true);          // (B, 2k, 1)
        NDArray term2 = spp.add(negSum).log().mul(off).sum();
        return Scalars.mul(term1.add(term2), (float) (lambda3 / (2.0 * k * b)));
    }

    private static NDArray normalise(NDArray v) {
        return v.div(Scalars.maximum(v.norm(new int[] {-1}, true), 1e-12f));
    }

    public double lambda3() { return lambda3; }
    public double temperature() { return tau; }
    public int kAnchors() { return k; }
    public Source source() { return source; }
}
