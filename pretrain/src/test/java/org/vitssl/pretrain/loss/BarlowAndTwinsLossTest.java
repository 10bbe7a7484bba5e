package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vitssl.pretrain.loss.Fixtures.*;

class BarlowAndTwinsLossTest {

    @Test
    void barlowTwinsMatchesReference() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_barlow.npz");
            double[] p = d(fx.get("params"));
            BarlowTwinsLoss loss = new BarlowTwinsLoss(p[0], p[1]);
            NDArray z1 = fx.get("z1"), z2 = fx.get("z2");
            z1.setRequiresGradient(true);
            z2.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.forward(z1, z2);
                assertEquals(DataType.FLOAT32, l.getDataType());
                gc.backward(l);
                close(scalar(fx.get("loss")), scalar(l), 1e-5, "loss");
            }
            closeGrad(d(fx.get("grad1")), d(z1.getGradient()), 1e-4, "grad z1");
            closeGrad(d(fx.get("grad2")), d(z2.getGradient()), 1e-4, "grad z2");
        }
    }

    /** Both ways of summing BT over crop pairs, against the loop reference, where n > d and where n < d. */
    @Test
    void gramAndDirectPairSumsMatchTheReference() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> bt = load(m, "loss_barlow.npz");                  // n 6 > d 5, two views, biased
            double lambda = d(bt.get("params"))[0], eps = d(bt.get("params"))[1];
            for (boolean gram : new boolean[] {true, false}) {
                NDArray z1 = bt.get("z1").duplicate(), z2 = bt.get("z2").duplicate();
                z1.setRequiresGradient(true);
                z2.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray a = BarlowTwinsLoss.batchNorm(NDArrays.stack(new NDList(z1, z2)), eps);
                    NDArray l = gram ? BarlowTwinsLoss.gramPairSum(a, lambda) : BarlowTwinsLoss.directPairSum(a, lambda);
                    gc.backward(l);
                    close(scalar(bt.get("loss")), scalar(l), 1e-5, "two-view loss, gram " + gram);
                }
                closeGrad(d(bt.get("grad1")), d(z1.getGradient()), 1e-4, "grad z1, gram " + gram);
                closeGrad(d(bt.get("grad2")), d(z2.getGradient()), 1e-4, "grad z2, gram " + gram);
            }
            Map<String, NDArray> wide = load(m, "loss_bt_pairs_wide.npz");          // n 8 < d 32, 4 views, unbiased
            double[] p = d(wide.get("params"));
            int n = (int) p[0], dim = (int) p[1], views = (int) p[2];
            for (String path : new String[] {"gram", "direct", "chosen"}) {
                NDArray z = wide.get("z").duplicate();
                z.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray a = BarlowTwinsLoss.unbiasedStandardise(z.reshape(views, n, dim));
                    NDArray l = switch (path) {
                        case "gram" -> BarlowTwinsLoss.gramPairSum(a, p[3]);
                        case "direct" -> BarlowTwinsLoss.directPairSum(a, p[3]);
                        default -> BarlowTwinsLoss.pairSum(a, p[3]);
                    };
                    gc.backward(l);
                    close(scalar(wide.get("loss")), scalar(l), 1e-5, "pair sum, " + path);
                }
                closeGrad(d(wide.get("grad_z")), d(z.getGradient()), 1e-4, "grad z, " + path);
            }
        }
    }

    @Test
    void perfectlyCorrelatedIdenticalBranchesGiveOnlyTheOffDiagonalTerm() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two columns, exactly +-1 after standardisation: C = [[1, -1], [-1, 1]] (eps = 0)
            NDArray z = m.create(new float[] {1, -1, -1, 1, 1, -1, -1, 1}, new Shape(4, 2));
            NDArray l = new BarlowTwinsLoss(0.5, 0).forward(z, z);
            assertEquals(0.5 * 2, l.getFloat(), 1e-6);
            assertThrows(IllegalArgumentException.class, () -> new BarlowTwinsLoss().forward(z, z.get("0:3")));
        }
    }

    @Test
    void dinoTwinsMatchesReference() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> fx = load(m, "loss_dino_twins.npz");
            double[] p = d(fx.get("params"));
            int k = (int) p[1];
            DinoTwinsLoss loss = new DinoTwinsLoss(k);
            assertEquals(p[5], loss.btLambda(), 0);
            assertEquals(p[6], loss.btBeta(), 0);
            loss.setCenter(f(fx.get("c0")));
            NDArray s = fx.get("student"), z = fx.get("z");
            s.setRequiresGradient(true);
            z.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                DinoTwinsLoss.Result r = loss.forward(s, fx.get("teacher"), z, (int) p[4]);
                gc.backward(r.total());
                close(scalar(fx.get("loss")), scalar(r.total()), 1e-5, "loss");
                close(scalar(fx.get("l_dino")), scalar(r.dino()), 1e-5, "dino part");
                close(scalar(fx.get("l_bt")), scalar(r.bt()), 1e-5, "bt part");
            }
            closeGrad(d(fx.get("grad_student")), d(s.getGradient()), 1e-5, "grad student");
            closeGrad(d(fx.get("grad_z")), d(z.getGradient()), 1e-4, "grad z");
            close(d(fx.get("center1")), IbotLossTest.toD(loss.center()), 1e-5, 1e-7, "centre");
        }
    }
}
