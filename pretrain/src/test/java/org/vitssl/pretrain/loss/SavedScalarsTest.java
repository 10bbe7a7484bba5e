package org.vitssl.pretrain.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.vitssl.pretrain.model.Scalars;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Scalars that autograd saves between the forward and the backward pass must not live in Java memory: a garbage
 * collection between the two (another thread allocating) used to free DJL's scalar operands (DINO's loss
 * {@code student / tau_s}, attention's {@code q * scale}) and gave finite losses with NaN or huge gradients.
 * Each case runs forward, then a collection and allocations that take over freed native memory, then backward,
 * and must give the gradient of an undisturbed run bit for bit.
 */
class SavedScalarsTest {
    static final List<Object> KEEP = new ArrayList<>();

    static void collectAndReuse() throws InterruptedException {
        System.gc();
        Thread.sleep(20);
        for (int q = 0; q < 300; q++) {
            ByteBuffer b = ByteBuffer.allocateDirect(64 * (1 + q % 128));
            while (b.hasRemaining()) b.put((byte) 0x7f);
            KEEP.add(b);
        }
    }

    static float[] gradient(Function<NDArray, NDArray> f, float[] x0, Shape shape, boolean disturb) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(x0, shape).duplicate();
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x);
                if (disturb) collectAndReuse();
                gc.backward(y);
            }
            return x.getGradient().toFloatArray();
        }
    }

    static void check(String what, Function<NDArray, NDArray> f) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        Shape shape = new Shape(8, 32);
        float[] x0 = new float[(int) shape.size()];
        for (int i = 0; i < x0.length; i++) x0[i] = (float) (r.nextDouble() * 4 - 2);
        float[] want = gradient(f, x0, shape, false);
        for (int round = 0; round < 4; round++) {
            assertArrayEquals(want, gradient(f, x0, shape, true), what + ", round " + round);
        }
    }

    @Test
    void dinoLossGradientSurvivesACollectionBeforeBackward() throws Exception {
        // 2 global + 2 local student crops of B = 2 against the teacher's 2 x 2 rows, K = 32
        check("DINO loss", s -> {
            NDArray t = s.getManager().ones(new Shape(4, 32)).stopGradient();
            return new DinoLoss(32).forward(s, t, 0);
        });
    }

    @Test
    void scalarHelpersKeepTheirOperand() throws Exception {
        check("mul", x -> Scalars.mul(x, 0.37f).square().sum());
        check("div", x -> Scalars.div(x, 0.1f).exp().sum());
        check("maximum", x -> Scalars.maximum(x, 0.25f).square().sum());
    }
}
