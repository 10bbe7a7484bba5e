package org.vitssl.pretrain.loss;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** The cross-view cross-entropy shared by DINO, iBOT's CLS term and DINO Twins. */
final class CrossViewTerm {
    private CrossViewTerm() {}

    /**
     * {@code (1/n_terms) sum_{q in {0,1}} sum_{v != q} mean_b [ -sum_k pt_q[b,k] * logps_v[b,k] ]}
     * with {@code n_terms = 2*ncrops - 2}.
     *
     * @param studentLogProbs log-softmax of the student, (ncrops*B, K), crop-major
     * @param teacherProbs    teacher probabilities, (2B, K), crop-major, no gradient
     */
    static NDArray loss(NDArray studentLogProbs, NDArray teacherProbs, int ncrops) {
        long k = teacherProbs.getShape().get(1);
        long b = teacherProbs.getShape().get(0) / 2;
        NDArray ls = studentLogProbs.reshape(ncrops, b, k);
        // sum over all student crops minus the crop of the same view as the teacher: skips v == q only
        NDArray allCrops = ls.sum(new int[] {0}).expandDims(0);             // (1, B, K)
        NDArray sameView = ls.get(new NDIndex("0:2"));                         // (2, B, K)
        NDArray crossSum = allCrops.sub(sameView);                             // (2, B, K)
        NDArray pt = teacherProbs.reshape(2, b, k);
        long nTerms = 2L * ncrops - 2;
        return Scalars.div(pt.mul(crossSum).sum().neg(), (float) (b * nTerms));
    }

    /** Number of crops from the student rows and the teacher rows (2B); checks the layout. */
    static int ncrops(NDArray student, NDArray teacher, String what) {
        if (teacher.getShape().dimension() != 2 || student.getShape().dimension() != 2) {
            throw new IllegalArgumentException(what + ": student " + student.getShape() + " and teacher " + teacher.getShape()
                    + " logits must be 2-d (rows, K)");
        }
        long tRows = teacher.getShape().get(0), sRows = student.getShape().get(0);
        if (tRows % 2 != 0 || tRows == 0) throw new IllegalArgumentException(what + ": teacher rows must be 2B (two global crops), got " + tRows);
        long b = tRows / 2;
        if (sRows % b != 0 || sRows / b < 2) {
            throw new IllegalArgumentException(what + ": student rows " + sRows + " must be ncrops*B with B=" + b + " and ncrops >= 2");
        }
        if (student.getShape().get(1) != teacher.getShape().get(1)) {
            throw new IllegalArgumentException(what + ": student K " + student.getShape().get(1) + " != teacher K " + teacher.getShape().get(1));
        }
        return (int) (sRows / b);
    }
}
