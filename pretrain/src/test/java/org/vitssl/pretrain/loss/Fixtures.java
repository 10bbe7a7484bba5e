package org.vitssl.pretrain.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the .npz fixtures written by src/test/python/make_loss_fixtures.py and compares numbers. */
final class Fixtures {
    private Fixtures() {}

    static Map<String, NDArray> load(NDManager m, String name) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) throw new IOException("missing fixture " + name + " (run make_loss_fixtures.py)");
            NDList list = NDList.decode(m, in);
            Map<String, NDArray> out = new HashMap<>();
            for (NDArray a : list) {
                String n = a.getName();
                if (n.endsWith(".npy")) n = n.substring(0, n.length() - 4);
                out.put(n, a);
            }
            return out;
        }
    }

    static double[] d(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static double scalar(NDArray a) {
        return d(a)[0];
    }

    /** |got - want| <= rtol * |want| + atol element-wise. */
    static void close(double[] want, double[] got, double rtol, double atol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            double tol = rtol * Math.abs(want[i]) + atol;
            assertTrue(Math.abs(want[i] - got[i]) <= tol,
                    what + "[" + i + "]: want " + want[i] + " got " + got[i] + " (tol " + tol + ")");
        }
    }

    static void close(double want, double got, double rtol, String what) {
        close(new double[] {want}, new double[] {got}, rtol, 0, what);
    }

    /** Gradients: relative to the largest magnitude, so tiny entries do not dominate. */
    static void closeGrad(double[] want, double[] got, double rtol, String what) {
        double max = 0;
        for (double w : want) max = Math.max(max, Math.abs(w));
        close(want, got, rtol, rtol * max, what);
    }

    static float[] f(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    static void sameLength(double[] a, float[] b) {
        assertArrayEquals(new int[] {a.length}, new int[] {b.length});
    }
}
