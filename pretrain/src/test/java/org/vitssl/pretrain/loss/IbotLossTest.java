package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;

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

    static double[] toD(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
