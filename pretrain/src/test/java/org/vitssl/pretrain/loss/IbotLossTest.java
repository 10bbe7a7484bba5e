package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.pretrain.loss.Fixtures.*;

class IbotLossTest {

    @Test
    void matchesReferenceValuesGradientsAndCentres() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_ibot.npz");
            double[] p = d(fx.get("params"));
            int k = (int) p[1], k2 = (int) p[2];
            IbotLoss loss = new IbotLoss(k, k2, 0.1,
                    new TeacherTempSchedule(p[5], p[6], (int) p[7]),
                    new TeacherTempSchedule(p[8], p[9], (int) p[10], (int) p[11]),
                    0.9, 0.9, p[13], p[14]);
            loss.setCenter(f(fx.get("c0")));
            loss.setCenter2(f(fx.get("c20")));
            NDArray sCls = fx.get("s_cls");
            NDArray sPatch = fx.get("s_patch");
            NDArray masks = fx.get("masks").toType(DataType.BOOLEAN, false);
            sCls.setRequiresGradient(true);
            sPatch.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                IbotLoss.Result r = loss.forward(sCls, sPatch, fx.get("t_cls"), fx.get("t_patch"), masks, (int) p[12]);
                gc.backward(r.total());
                close(scalar(fx.get("loss")), scalar(r.total()), 1e-5, "loss");
                close(scalar(fx.get("l_cls")), scalar(r.cls()), 1e-5, "l_cls");
                close(scalar(fx.get("l_mim")), scalar(r.mim()), 1e-5, "l_mim");
            }
            closeGrad(d(fx.get("grad_cls")), d(sCls.getGradient()), 1e-5, "grad_cls");
            closeGrad(d(fx.get("grad_patch")), d(sPatch.getGradient()), 1e-5, "grad_patch");
            close(d(fx.get("center1")), toD(loss.center()), 1e-5, 1e-7, "center");
            close(d(fx.get("center21")), toD(loss.center2()), 1e-5, 1e-7, "center2");
        }
    }

    /**
     * The gathered MIM form: the fixture's full student patch logits taken at its masked positions only give the
     * reference loss, the reference gradient at those rows and the same centres.
     */
    @Test
    void gatheredFormMatchesReferenceOnTheMaskedRows() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_ibot.npz");
            double[] p = d(fx.get("params"));
            int k = (int) p[1], k2 = (int) p[2], n = (int) p[3];
            IbotLoss loss = new IbotLoss(k, k2, 0.1,
                    new TeacherTempSchedule(p[5], p[6], (int) p[7]),
                    new TeacherTempSchedule(p[8], p[9], (int) p[10], (int) p[11]),
                    0.9, 0.9, p[13], p[14]);
            loss.setCenter(f(fx.get("c0")));
            loss.setCenter2(f(fx.get("c20")));
            double[] mk = d(fx.get("masks"));
            boolean[][] masks = new boolean[mk.length / n][n];
            for (int i = 0; i < mk.length; i++) masks[i / n][i % n] = mk[i] != 0;
            long[] pos = IbotLoss.maskedPositions(masks);
            assertTrue(pos.length > 0 && pos.length < mk.length, "the fixture masks some but not all patches");
            NDArray sCls = fx.get("s_cls");
            NDArray sAt = fx.get("s_patch").reshape(-1, k2).get(new NDIndex("{}", m.create(pos)));
            sCls.setRequiresGradient(true);
            sAt.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                IbotLoss.Result r = loss.forwardGathered(sCls, sAt, pos, fx.get("t_cls"), fx.get("t_patch"), (int) p[12]);
                gc.backward(r.total());
                close(scalar(fx.get("loss")), scalar(r.total()), 1e-6, "loss");
                close(scalar(fx.get("l_cls")), scalar(r.cls()), 1e-6, "l_cls");
                close(scalar(fx.get("l_mim")), scalar(r.mim()), 1e-6, "l_mim");
            }
            double[] full = d(fx.get("grad_patch"));
            double[] want = new double[pos.length * k2];
            for (int j = 0; j < pos.length; j++) System.arraycopy(full, (int) pos[j] * k2, want, j * k2, k2);
            for (int i = 0; i < full.length; i++) {
                if (Arrays.binarySearch(pos, i / k2) < 0) assertEquals(0.0, full[i], "reference gradient of an unmasked patch");
            }
            closeGrad(d(fx.get("grad_cls")), d(sCls.getGradient()), 1e-5, "grad_cls");
            closeGrad(want, d(sAt.getGradient()), 1e-5, "grad_patch at the masked rows");
            close(d(fx.get("center1")), toD(loss.center()), 1e-5, 1e-7, "center");
            close(d(fx.get("center21")), toD(loss.center2()), 1e-5, 1e-7, "center2");
            IbotLoss again = new IbotLoss(k, k2);
            again.setCenter(f(fx.get("c0")));
            again.setCenter2(f(fx.get("c20")));
            again.updateCentresFromPatchSum(fx.get("t_cls"), fx.get("t_patch").sum(new int[] {0, 1}), fx.get("t_patch").getShape().size() / k2);
            close(d(fx.get("center21")), toD(again.center2()), 1e-5, 1e-7, "center2 from the patch-logit sum");
            assertThrows(IllegalArgumentException.class, () -> loss.forwardGathered(sCls, sAt, new long[] {3, 2},
                    fx.get("t_cls"), fx.get("t_patch"), 0), "positions out of order");
        }
    }

    static double[] toD(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
