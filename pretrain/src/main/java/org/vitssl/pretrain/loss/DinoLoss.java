package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * DINO loss (ALGORITHMS.md section 4.1).
 *
 * <pre>
 *   p_s^v = softmax(s_v / tau_s)                         tau_s = 0.1, every crop v = 0..ncrops-1
 *   p_t^q = softmax((t_q - c) / tau_t(epoch))            q in {0, 1} (global crops), no gradient
 *   L     = 1/n_terms * sum_q sum_{v != q} mean_b [ -sum_k p_t^q[b,k] log p_s^v[b,k] ]
 *   n_terms = 2*ncrops - 2                                (only the pair of the same view is skipped)
 *   after the loss: c <- m*c + (1-m) * mean over all 2B*W teacher rows of t      m = 0.9, c0 = 0
 * </pre>
 *
 * The loss uses the centre of the previous step; the centre is updated from the raw teacher logits
 * (before the temperature) right after. tau_t follows the per-epoch {@link TeacherTempSchedule}
 * (DINO defaults 0.04 -> 0.04 over 0 epochs). Inputs: student logits (ncrops*B, K) crop-major
 * (globals first), teacher logits (2B, K). Returns a scalar with a gradient w.r.t. the student.
 */
public final class DinoLoss {
    public static final double DEFAULT_STUDENT_TEMP = 0.1;
    public static final double DEFAULT_CENTER_MOMENTUM = 0.9;

    private final double studentTemp;
    private final TeacherTempSchedule teacherTemp;
    private final EmaCenter center;

    public DinoLoss(int outDim, double studentTemp, TeacherTempSchedule teacherTemp, double centerMomentum) {
        if (!(studentTemp > 0)) throw new IllegalArgumentException("student temperature must be positive");
        this.studentTemp = studentTemp;
        this.teacherTemp = teacherTemp;
        this.center = new EmaCenter(outDim, centerMomentum);
    }

    /** DINO's code defaults: tau_s 0.1, tau_t 0.04 constant, centre momentum 0.9. */
    public DinoLoss(int outDim) {
        this(outDim, DEFAULT_STUDENT_TEMP, new TeacherTempSchedule(0.04, 0.04, 0), DEFAULT_CENTER_MOMENTUM);
    }

    /** Computes the loss for {@code epoch} and then updates the centre. */
    public NDArray forward(NDArray student, NDArray teacher, int epoch) {
        NDArray loss = lossOnly(student, teacher, epoch);
        center.update(teacher);
        return loss;
    }

    /** The loss with the current centre, without updating it. */
    public NDArray lossOnly(NDArray student, NDArray teacher, int epoch) {
        int ncrops = CrossViewTerm.ncrops(student, teacher, "DINO loss");
        if (teacher.getShape().get(1) != center.dim()) {
            throw new IllegalArgumentException("DINO loss: logits have K=" + teacher.getShape().get(1) + ", the centre " + center.dim());
        }
        NDManager m = teacher.getManager();
        NDArray logPs = Scalars.div(student, (float) studentTemp).logSoftmax(-1);
        NDArray c = center.asArray(m, new Shape(1, center.dim()));
        NDArray pt = teacher.stopGradient().sub(c).div((float) teacherTemp.at(epoch)).softmax(-1);
        return CrossViewTerm.loss(logPs, pt, ncrops);
    }

    public TeacherTempSchedule teacherTempSchedule() { return teacherTemp; }
    public double studentTemp() { return studentTemp; }
    public EmaCenter centerState() { return center; }

    /** A copy of the centre c (K values) for checkpoints. */
    public float[] center() { return center.get(); }

    public void setCenter(float[] values) { center.set(values); }

    public void setCenterSync(CenterSync sync) { center.setSync(sync); }
}
