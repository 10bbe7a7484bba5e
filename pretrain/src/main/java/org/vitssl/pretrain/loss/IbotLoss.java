package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * iBOT loss (ALGORITHMS.md section 4.2; identical in AttMask and Reppas).
 *
 * <pre>
 *   p_s        = softmax(. / tau_s) for CLS and patch outputs                      tau_s = 0.1
 *   CLS teacher   softmax((t_cls   - c ) / tau_t (e))        no gradient
 *   patch teacher softmax((t_patch - c2) / tau_t2(e))        no gradient
 *   L_cls = 1/n1 * sum_q sum_{v != q} mean_b CE(p_t,cls^q, p_s,cls^v)                n1 = 2*ncrops - 2
 *   l_b   = sum_i m_{b,i} CE(p_t,patch^q[b,i], p_s,patch^q[b,i]) / max(1, sum_i m_{b,i})   (view q of image b)
 *   L_mim = 1/2 * sum_q mean_b l_b          (images with no masked patch give l_b = 0 and still count)
 *   L     = lambda1 * L_cls + lambda2 * L_mim                                         lambda1 = lambda2 = 1
 *   after the loss: c  <- m  c  + (1-m)  mean of the 2B*W teacher CLS rows
 *                   c2 <- m2 c2 + (1-m2) mean over images of (mean over all N patches, masked or not)
 * </pre>
 *
 * tau_t: {@link TeacherTempSchedule} 0.04 -> 0.04 over 30 epochs by default; tau_t2: 0.04 -> 0.07 over
 * 30 epochs, held at the warm-up value for the first {@code pred-start-epoch} epochs. Inputs: student
 * CLS logits (ncrops*B, K) crop-major; student patch logits (2B, N, K2) (computed on the masked
 * globals); teacher CLS (2B, K) and patch (2B, N, K2) logits on the unmasked globals; masks (2B, N)
 * or (2B, h, w) boolean (true = masked), crop-major like the logits.
 */
public final class IbotLoss {
    /** The loss and its parts; {@code teacherPatchProbs} (detached, (2B, N, K2)) for the Reppas term. */
    public record Result(NDArray total, NDArray cls, NDArray mim, NDArray teacherPatchProbs) {}

    private final double studentTemp;
    private final TeacherTempSchedule teacherTemp;
    private final TeacherTempSchedule teacherPatchTemp;
    private final double lambda1;
    private final double lambda2;
    private final EmaCenter center;
    private final EmaCenter center2;

    public IbotLoss(int outDim, int patchOutDim, double studentTemp, TeacherTempSchedule teacherTemp,
                    TeacherTempSchedule teacherPatchTemp, double centerMomentum, double centerMomentum2,
                    double lambda1, double lambda2) {
        if (!(studentTemp > 0)) throw new IllegalArgumentException("student temperature must be positive");
        if (lambda1 < 0 || lambda2 < 0) throw new IllegalArgumentException("lambda1/lambda2 must be >= 0");
        this.studentTemp = studentTemp;
        this.teacherTemp = teacherTemp;
        this.teacherPatchTemp = teacherPatchTemp;
        this.lambda1 = lambda1;
        this.lambda2 = lambda2;
        this.center = new EmaCenter(outDim, centerMomentum);
        this.center2 = new EmaCenter(patchOutDim, centerMomentum2);
    }

    /** iBOT code defaults: tau_t 0.04 (30 warm-up epochs), tau_t2 0.04 -> 0.07 over 30, no hold, lambdas 1. */
    public IbotLoss(int outDim, int patchOutDim) {
        this(outDim, patchOutDim, 0.1, new TeacherTempSchedule(0.04, 0.04, 30),
                new TeacherTempSchedule(0.04, 0.07, 30, 0), 0.9, 0.9, 1.0, 1.0);
    }

    /** Computes the loss for {@code epoch}, then updates both centres. */
    public Result forward(NDArray studentCls, NDArray studentPatch, NDArray teacherCls, NDArray teacherPatch,
                          NDArray masks, int epoch) {
        Result r = lossOnly(studentCls, studentPatch, teacherCls, teacherPatch, masks, epoch);
        updateCentres(teacherCls, teacherPatch);
        return r;
    }

    /** The loss with the current centres, without updating them. */
    public Result lossOnly(NDArray studentCls, NDArray studentPatch, NDArray teacherCls, NDArray teacherPatch,
                           NDArray masks, int epoch) {
        int ncrops = CrossViewTerm.ncrops(studentCls, teacherCls, "iBOT loss");
        long twoB = teacherCls.getShape().get(0);
        Shape ps = studentPatch.getShape();
        if (ps.dimension() != 3 || ps.get(0) != twoB || !ps.equals(teacherPatch.getShape())) {
            throw new IllegalArgumentException("iBOT loss: student patch " + ps + " and teacher patch " + teacherPatch.getShape()
                    + " must both be (2B=" + twoB + ", N, K2)");
        }
        long n = ps.get(1), k2 = ps.get(2);
        if (teacherCls.getShape().get(1) != center.dim() || k2 != center2.dim()) {
            throw new IllegalArgumentException("iBOT loss: K=" + teacherCls.getShape().get(1) + ", K2=" + k2
                    + " but the centres have " + center.dim() + " and " + center2.dim());
        }
        if (masks.getShape().size() != twoB * n) {
            throw new IllegalArgumentException("iBOT loss: masks " + masks.getShape() + " must hold 2B*N = " + (twoB * n) + " values");
        }
        NDManager m = teacherCls.getManager();

        NDArray logPs = Scalars.div(studentCls, (float) studentTemp).logSoftmax(-1);
        NDArray pt = teacherCls.stopGradient().sub(center.asArray(m, new Shape(1, center.dim())))
                .div((float) teacherTemp.at(epoch)).softmax(-1);
        NDArray lCls = CrossViewTerm.loss(logPs, pt, ncrops);

        NDArray logPsPatch = Scalars.div(studentPatch, (float) studentTemp).logSoftmax(-1);
        NDArray ptPatch = teacherPatch.stopGradient().sub(center2.asArray(m, new Shape(1, 1, k2)))
                .div((float) teacherPatchTemp.at(epoch)).softmax(-1);
        NDArray ce = ptPatch.mul(logPsPatch).sum(new int[] {-1}).neg();          // (2B, N)
        NDArray mf = masks.reshape(twoB, n).toType(DataType.FLOAT32, false);
        NDArray count = mf.sum(new int[] {1}).maximum(1f);                       // (2B)
        NDArray perImage = ce.mul(mf).sum(new int[] {1}).div(count);             // (2B)
        NDArray lMim = perImage.mean();                                          // = 1/2 sum_q mean_b

        NDArray total = Scalars.mul(lCls, (float) lambda1).add(Scalars.mul(lMim, (float) lambda2));
        return new Result(total, lCls, lMim, ptPatch);
    }

    /**
     * The same loss as {@link #forward} with the student's patch logits given only at the masked positions
     * (the MIM term reads nothing else), then the centre update (c2 still from the teacher's patch logits on
     * all N patches). See {@link #lossOnlyGathered}.
     */
    public Result forwardGathered(NDArray studentCls, NDArray studentPatchAtMasked, long[] maskedPositions,
                                  NDArray teacherCls, NDArray teacherPatch, int epoch) {
        Shape ts = teacherPatch.getShape();
        if (ts.dimension() != 3) throw new IllegalArgumentException("iBOT loss: teacher patch " + ts + " must be (2B, N, K2)");
        NDArray tAt = maskedPositions.length == 0 ? null
                : teacherPatch.reshape(-1, ts.get(2)).get(new NDIndex("{}", teacherPatch.getManager().create(maskedPositions)));
        Result r = lossOnlyGathered(studentCls, studentPatchAtMasked, teacherCls, tAt, maskedPositions, ts.get(1), epoch);
        updateCentres(teacherCls, teacherPatch);
        return r;
    }

    /**
     * The loss with the current centres, the MIM term in its gathered form:
     * <pre>
     *   L_mim = 1/(2B) * sum_j CE(p_t,patch,j, p_s,patch,j) / count(row of pos_j)
     * </pre>
     * over the M masked positions {@code pos_j = row * N + i} (row = view * B + image, crop-major; strictly
     * ascending), count(row) = the number of masked positions of that row. This is {@link #lossOnly}'s
     * sum_i m_{b,i} CE / max(1, sum_i m_{b,i}) averaged over the 2B rows, so loss and gradients are the same;
     * only the heads need not run on unmasked patches. {@code studentPatchAtMasked} and {@code teacherPatchAtMasked}:
     * (M, K2) patch logits in the order of {@code maskedPositions} (both may be null when M = 0); {@code n}: patches
     * per view. The result's {@code teacherPatchProbs} is null here (see {@link #teacherPatchProbs}); the centres are
     * not updated ({@link #updateCentres} / {@link #updateCentresFromPatchSum}).
     */
    public Result lossOnlyGathered(NDArray studentCls, NDArray studentPatchAtMasked, NDArray teacherCls,
                                   NDArray teacherPatchAtMasked, long[] maskedPositions, long n, int epoch) {
        int ncrops = CrossViewTerm.ncrops(studentCls, teacherCls, "iBOT loss");
        long twoB = teacherCls.getShape().get(0);
        long k2 = center2.dim();
        if (teacherCls.getShape().get(1) != center.dim()) {
            throw new IllegalArgumentException("iBOT loss: K=" + teacherCls.getShape().get(1) + " but the centre has " + center.dim());
        }
        int mCount = maskedPositions.length;
        Shape want = new Shape(mCount, k2);
        for (NDArray a : new NDArray[] {studentPatchAtMasked, teacherPatchAtMasked}) {
            if (mCount > 0 && (a == null || !a.getShape().equals(want))) {
                throw new IllegalArgumentException("iBOT loss: gathered patch logits " + (a == null ? null : a.getShape())
                        + " must be (M=" + mCount + ", K2=" + k2 + ")");
            }
        }
        int[] count = new int[(int) twoB];
        long prev = -1;
        for (long pos : maskedPositions) {
            if (pos <= prev || pos >= twoB * n) {
                throw new IllegalArgumentException("iBOT loss: masked positions must be strictly ascending in [0, 2B*N = " + (twoB * n)
                        + "), got " + pos + " after " + prev);
            }
            count[(int) (pos / n)]++;
            prev = pos;
        }
        NDManager m = teacherCls.getManager();

        NDArray logPs = Scalars.div(studentCls, (float) studentTemp).logSoftmax(-1);
        NDArray pt = teacherCls.stopGradient().sub(center.asArray(m, new Shape(1, center.dim())))
                .div((float) teacherTemp.at(epoch)).softmax(-1);
        NDArray lCls = CrossViewTerm.loss(logPs, pt, ncrops);

        NDArray lMim;
        if (mCount == 0) {
            lMim = m.create(0f);
        } else {
            float[] w = new float[mCount];
            for (int j = 0; j < mCount; j++) w[j] = 1f / count[(int) (maskedPositions[j] / n)];
            NDArray ptPatch = teacherPatchProbs(teacherPatchAtMasked, epoch);
            NDArray logPsPatch = Scalars.div(studentPatchAtMasked, (float) studentTemp).logSoftmax(-1);
            NDArray ce = ptPatch.mul(logPsPatch).sum(new int[] {-1}).neg();       // (M)
            lMim = Scalars.div(ce.mul(m.create(w).duplicate()).sum(), (float) twoB);                  // = 1/2 sum_q mean_b l_b
        }
        NDArray total = Scalars.mul(lCls, (float) lambda1).add(Scalars.mul(lMim, (float) lambda2));
        return new Result(total, lCls, lMim, null);
    }

    /**
     * Teacher patch probabilities softmax((t - c2) / tau_t2(epoch)) of teacher patch logit rows (..., K2) with the
     * current centre c2, detached (what the MIM term and the Reppas term's teacher-detached source compare).
     */
    public NDArray teacherPatchProbs(NDArray teacherPatchRows, int epoch) {
        Shape s = teacherPatchRows.getShape();
        long[] cs = new long[s.dimension()];
        java.util.Arrays.fill(cs, 1);
        cs[cs.length - 1] = center2.dim();
        return teacherPatchRows.stopGradient().sub(center2.asArray(teacherPatchRows.getManager(), new Shape(cs)))
                .div((float) teacherPatchTemp.at(epoch)).softmax(-1);
    }

    /** The EMA update of both centres from this step's teacher CLS (2B, K) and patch (2B, N, K2) logits. */
    public void updateCentres(NDArray teacherCls, NDArray teacherPatch) {
        center.update(teacherCls);
        center2.update(teacherPatch);
    }

    /**
     * The centre update from the teacher CLS logits (2B, K) and the sum of the teacher patch logits over all 2B*N
     * patches (K2 values; with a linear last layer, W2 applied to the sum of the head's bottleneck rows), which is
     * {@link #updateCentres} up to rounding without the patch logits themselves.
     */
    public void updateCentresFromPatchSum(NDArray teacherCls, NDArray teacherPatchSum, long patches) {
        center.update(teacherCls);
        center2.updateFromSum(teacherPatchSum, patches);
    }

    /** Flat masked positions {@code row * N + i} (ascending) of boolean masks (rows of N cells, true = masked). */
    public static long[] maskedPositions(boolean[][] masks) {
        int total = 0;
        for (boolean[] row : masks) for (boolean b : row) if (b) total++;
        long[] out = new long[total];
        int o = 0;
        for (int r = 0; r < masks.length; r++) {
            int n = masks[r].length;
            if (n != masks[0].length) throw new IllegalArgumentException("mask row " + r + " has " + n + " cells, row 0 has " + masks[0].length);
            for (int i = 0; i < n; i++) if (masks[r][i]) out[o++] = (long) r * n + i;
        }
        return out;
    }

    public double studentTemp() { return studentTemp; }
    public TeacherTempSchedule teacherTempSchedule() { return teacherTemp; }
    public TeacherTempSchedule teacherPatchTempSchedule() { return teacherPatchTemp; }
    public double lambda1() { return lambda1; }
    public double lambda2() { return lambda2; }

    /** CLS centre c (K values) for checkpoints. */
    public float[] center() { return center.get(); }
    public void setCenter(float[] v) { center.set(v); }
    /** Patch centre c2 (K2 values) for checkpoints. */
    public float[] center2() { return center2.get(); }
    public void setCenter2(float[] v) { center2.set(v); }

    public void setCenterSync(CenterSync sync) {
        center.setSync(sync);
        center2.setSync(sync);
    }
}
