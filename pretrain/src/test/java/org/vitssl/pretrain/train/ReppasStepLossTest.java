package org.vitssl.pretrain.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.vitssl.pretrain.loss.IbotLoss;
import org.vitssl.pretrain.loss.ReppasContrastiveLoss;
import org.vitssl.pretrain.loss.TeacherTempSchedule;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss of a Reppas step as VitSslTask composes it from gathered rows (masked positions and contrastive anchors:
 * {@link VitSslTask#neededRows}, {@link VitSslTask#gatheredLoss}) against {@code loss_reppas_step.npz}, computed in
 * PyTorch (float64, loops per image, make_loss_fixtures.py) as L_cls + L_mim + L3 on the full patch tensors: the
 * total, each term, and the student gradients of the total, for both L3 sources (teacher-detached: the gradients of
 * iBOT alone).
 */
class ReppasStepLossTest {
    static Map<String, NDArray> load(NDManager m) throws Exception {
        try (InputStream in = ReppasStepLossTest.class.getResourceAsStream("/fixtures/loss_reppas_step.npz")) {
            assertNotNull(in, "run make_loss_fixtures.py reppas-step");
            Map<String, NDArray> out = new HashMap<>();
            for (NDArray a : NDList.decode(m, in)) out.put(a.getName().replace(".npy", ""), a);
            return out;
        }
    }

    static double[] d(NDArray a) { return a.toType(DataType.FLOAT64, false).toDoubleArray(); }

    static void close(double want, double got, double rtol, String what) {
        assertTrue(Math.abs(want - got) <= rtol * Math.abs(want), what + ": want " + want + " got " + got);
    }

    static void closeGrad(double[] want, double[] got, double rtol, String what) {
        double max = 0;
        for (double w : want) max = Math.max(max, Math.abs(w));
        assertTrue(want.length == got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= rtol * max, what + "[" + i + "]: want " + want[i] + " got " + got[i]);
        }
    }

    @Test
    void gatheredStepLossMatchesPyTorchForBothSources() throws Exception {
        for (String source : new String[] {"student", "teacher"}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> fx = load(m);
                double[] p = d(fx.get("params"));
                int b = (int) p[0], k = (int) p[1], n = (int) p[2], anchorsK = (int) p[4];
                IbotLoss ibot = new IbotLoss(k, k, p[7], new TeacherTempSchedule(p[8], p[8], 0), new TeacherTempSchedule(p[9], p[9], 0),
                        0.9, 0.9, 1, 1);
                ibot.setCenter(fx.get("c0").toFloatArray());
                ibot.setCenter2(fx.get("c20").toFloatArray());
                ReppasContrastiveLoss l3 = new ReppasContrastiveLoss(p[6], p[5], anchorsK,
                        source.equals("student") ? ReppasContrastiveLoss.Source.STUDENT : ReppasContrastiveLoss.Source.TEACHER_DETACHED);
                float[] sc = fx.get("scores").toFloatArray();
                byte[] mk = fx.get("masks").toByteArray();
                float[][] scores = new float[2 * b][n];
                boolean[][] masks = new boolean[2 * b][n];
                for (int i = 0; i < sc.length; i++) {
                    scores[i / n][i % n] = sc[i];
                    masks[i / n][i % n] = mk[i] != 0;
                }
                long[] masked = IbotLoss.maskedPositions(masks);
                long[][] anchors = l3.anchors(scores, n);
                long[][] need = VitSslTask.neededRows(masked, anchors, l3);
                NDArray sFlat = fx.get("s_patch").reshape(-1, k);
                NDArray sCls = fx.get("s_cls");
                sFlat.setRequiresGradient(true);
                sCls.setRequiresGradient(true);
                NDArray tFlat = fx.get("t_patch").reshape(-1, k);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray sRows = sFlat.get(new NDIndex("{}", m.create(need[0])));
                    NDArray tRows = tFlat.get(new NDIndex("{}", m.create(need[1])));
                    VitSslTask.GatheredLoss gl = VitSslTask.gatheredLoss(ibot, l3, sCls, sRows, need[0], fx.get("t_cls"), tRows, need[1],
                            masked, anchors, n, 0, m);
                    gc.backward(gl.total());
                    close(d(fx.get("total_" + source))[0], gl.total().getFloat(), 1e-5, source + ": total");
                    close(d(fx.get("l3_" + source))[0], gl.l3().getFloat(), 1e-5, source + ": L3");
                    close(d(fx.get("l_cls"))[0], gl.ibot().cls().getFloat(), 1e-5, source + ": L_cls");
                    close(d(fx.get("l_mim"))[0], gl.ibot().mim().getFloat(), 1e-5, source + ": L_mim");
                }
                closeGrad(d(fx.get("grad_patch_" + source)), d(sFlat.getGradient()), 1e-4, source + ": patch gradient");
                closeGrad(d(fx.get("grad_cls_" + source)), d(sCls.getGradient()), 1e-5, source + ": CLS gradient");
            }
        }
    }
}
