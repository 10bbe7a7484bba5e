package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vitssl.pretrain.loss.Fixtures.*;

class DinoLossTest {

    @Test
    void scheduleIsPerEpochLinspaceInclusive() {
        TeacherTempSchedule s = new TeacherTempSchedule(0.04, 0.07, 30);
        assertEquals(0.04, s.at(0), 1e-15);
        assertEquals(0.04 + 0.03 / 29, s.at(1), 1e-15);
        assertEquals(0.07, s.at(29), 1e-15);
        assertEquals(0.07, s.at(30), 1e-15);
        assertEquals(0.07, s.at(500), 1e-15);
        TeacherTempSchedule none = new TeacherTempSchedule(0.04, 0.04, 0);
        assertEquals(0.04, none.at(0), 0);
        TeacherTempSchedule one = new TeacherTempSchedule(0.04, 0.07, 1);   // numpy linspace(num=1) = [start]
        assertEquals(0.04, one.at(0), 0);
        assertEquals(0.07, one.at(1), 0);
        TeacherTempSchedule held = new TeacherTempSchedule(0.04, 0.07, 4, 2); // iBOT pred_start_epoch hold
        assertEquals(0.04, held.at(0), 0);
        assertEquals(0.04, held.at(1), 0);
        assertEquals(0.04, held.at(2), 1e-15);
        assertEquals(0.05, held.at(3), 1e-15);
        assertEquals(0.07, held.at(5), 1e-15);
        assertEquals(0.07, held.at(6), 0);
    }

    @Test
    void matchesReferenceValuesGradientsAndCentres() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_dino.npz");
            double[] p = d(fx.get("params"));
            int k = (int) p[1];
            DinoLoss loss = new DinoLoss(k, p[8], new TeacherTempSchedule(p[3], p[4], (int) p[5]), p[9]);
            loss.setCenter(f(fx.get("center0")));
            step(m, loss, fx, "student", "teacher", (int) p[6], "loss1", "grad1", "center1");
            // second step: the loss must use the centre left by step 1 (the previous centre)
            step(m, loss, fx, "student2", "teacher2", (int) p[7], "loss2", "grad2", "center2");
        }
    }

    private static void step(NDManager base, DinoLoss loss, Map<String, NDArray> fx, String s, String t, int epoch,
                             String lossKey, String gradKey, String centerKey) {
        try (NDManager m = base.newSubManager()) {
            NDArray student = fx.get(s).toType(DataType.FLOAT32, true);
            student.attach(m);
            NDArray teacher = fx.get(t).toType(DataType.FLOAT32, true);
            student.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.forward(student, teacher, epoch);
                gc.backward(l);
                assertEquals(DataType.FLOAT32, l.getDataType());
                close(scalar(fx.get(lossKey)), scalar(l), 1e-5, lossKey);
            }
            closeGrad(d(fx.get(gradKey)), d(student.getGradient()), 1e-5, gradKey);
            double[] c = new double[loss.center().length];
            float[] got = loss.center();
            for (int i = 0; i < c.length; i++) c[i] = got[i];
            close(d(fx.get(centerKey)), c, 1e-5, 1e-7, centerKey);
        }
    }

    @Test
    void rejectsBadLayouts() {
        try (NDManager m = NDManager.newBaseManager()) {
            DinoLoss loss = new DinoLoss(4);
            NDArray teacher = m.zeros(new ai.djl.ndarray.types.Shape(3, 4));
            NDArray student = m.zeros(new ai.djl.ndarray.types.Shape(6, 4));
            assertThrows(IllegalArgumentException.class, () -> loss.forward(student, teacher, 0));
            NDArray t2 = m.zeros(new ai.djl.ndarray.types.Shape(4, 4));
            NDArray s2 = m.zeros(new ai.djl.ndarray.types.Shape(5, 4));
            assertThrows(IllegalArgumentException.class, () -> loss.forward(s2, t2, 0));
            assertThrows(IllegalArgumentException.class, () -> loss.setCenter(new float[3]));
        }
    }

    @Test
    void uniformOutputsGiveLnK() {
        // collapse to uniform: every CE equals ln K
        try (NDManager m = NDManager.newBaseManager()) {
            DinoLoss loss = new DinoLoss(4096);
            NDArray l = loss.forward(m.zeros(new ai.djl.ndarray.types.Shape(8, 4096)),
                    m.zeros(new ai.djl.ndarray.types.Shape(4, 4096)), 0);
            assertEquals(Math.log(4096), l.getFloat(), 1e-4);
        }
    }
}
