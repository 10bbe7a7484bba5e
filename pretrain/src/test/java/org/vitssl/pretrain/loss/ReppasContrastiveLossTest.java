package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vitssl.pretrain.loss.Fixtures.*;

class ReppasContrastiveLossTest {

    static float[][] rows(NDArray a) {
        int r = (int) a.getShape().get(0), n = (int) a.getShape().get(1);
        float[] flat = f(a);
        float[][] out = new float[r][n];
        for (int i = 0; i < r; i++) System.arraycopy(flat, i * n, out[i], 0, n);
        return out;
    }

    @Test
    void studentSourceMatchesReferenceValueAndGradient() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_reppas.npz");
            double[] p = d(fx.get("params"));
            ReppasContrastiveLoss loss = new ReppasContrastiveLoss(p[5], p[4], (int) p[3], ReppasContrastiveLoss.Source.STUDENT);
            NDArray sp = fx.get("s_patch");
            sp.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.forward(null, sp, 0.1, rows(fx.get("scores")));
                gc.backward(l);
                close(scalar(fx.get("loss_student")), scalar(l), 1e-5, "L3 student");
            }
            closeGrad(d(fx.get("grad_student")), d(sp.getGradient()), 1e-4, "grad");
        }
    }

    @Test
    void teacherDetachedSourceUsesTheIbotTeacherPatchProbabilities() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_reppas.npz");
            double[] p = d(fx.get("params"));
            int b = (int) p[0], n = (int) p[1], k2 = (int) p[2];
            double tauT2 = p[6];
            IbotLoss ibot = new IbotLoss(4, k2, 0.1, new TeacherTempSchedule(0.04, 0.04, 0),
                    new TeacherTempSchedule(tauT2, tauT2, 0), 0.9, 0.9, 1, 1);
            ibot.setCenter2(f(fx.get("c2")));
            NDArray cls = m.zeros(new Shape(2 * b, 4));
            NDArray masks = m.zeros(new Shape(2 * b, n)).toType(DataType.BOOLEAN, false);
            IbotLoss.Result r = ibot.lossOnly(cls, fx.get("s_patch"), cls, fx.get("t_patch"), masks, 0);
            ReppasContrastiveLoss loss = new ReppasContrastiveLoss(p[5], p[4], (int) p[3], ReppasContrastiveLoss.Source.TEACHER_DETACHED);
            NDArray l = loss.forward(r, fx.get("s_patch"), 0.1, rows(fx.get("scores")));
            close(scalar(fx.get("loss_teacher")), scalar(l), 1e-5, "L3 teacher");
            assertThrows(IllegalArgumentException.class,
                    () -> new ReppasContrastiveLoss(1, 0.2, 5, ReppasContrastiveLoss.Source.STUDENT).forward(null, fx.get("s_patch"), 0.1, rows(fx.get("scores"))));
        }
    }
    /**
     * The gathered form the training step uses: student patch logits at the anchors only (positives and
     * negatives from {@code anchors}) give the reference L3, and the reference gradient at those rows (zero
     * elsewhere).
     */
    @Test
    void anchorRowsGiveTheReferenceValueAndGradient() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_reppas.npz");
            double[] p = d(fx.get("params"));
            int n = (int) p[1], k2 = (int) p[2];
            ReppasContrastiveLoss loss = new ReppasContrastiveLoss(p[5], p[4], (int) p[3], ReppasContrastiveLoss.Source.STUDENT);
            long[][] a = loss.anchors(rows(fx.get("scores")), n);
            NDArray flat = fx.get("s_patch").reshape(-1, k2);
            flat.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray pos = flat.get(new ai.djl.ndarray.index.NDIndex("{}", m.create(a[0]))).div(0.1f).softmax(-1);
                NDArray neg = flat.get(new ai.djl.ndarray.index.NDIndex("{}", m.create(a[1]))).div(0.1f).softmax(-1);
                NDArray l = loss.fromAnchorVectors(pos, neg);
                gc.backward(l);
                close(scalar(fx.get("loss_student")), scalar(l), 1e-5, "L3 student from anchor rows");
            }
            closeGrad(d(fx.get("grad_student")), d(flat.getGradient()), 1e-4, "grad");
        }
    }
}
