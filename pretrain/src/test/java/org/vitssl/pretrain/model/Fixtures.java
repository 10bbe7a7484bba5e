package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/** Loads the PyTorch fixtures (written by src/test/python/make_model_fixtures.py) and compares arrays. */
final class Fixtures {
    private Fixtures() {}

    static Map<String, NDArray> load(String name, NDManager m) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/model/" + name)) {
            assertNotNull(in, "missing fixture " + name + " (run make_model_fixtures.py)");
            return SafetensorsIO.read(in, m, name);
        }
    }

    /**
     * Every element within {@code rtol} relative to max(|expected|, floor), where floor is 10% of the
     * array's largest magnitude (values that cancel to near zero carry float rounding of the terms that produced them, so they
     * are judged on the array's scale; PyTorch and libtorch differ by a few ulps of those terms).
     */
    static void assertClose(String what, NDArray expected, NDArray actual, double rtol) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double maxAbs = 0;
        for (float v : e) maxAbs = Math.max(maxAbs, Math.abs(v));
        double floor = 0.1 * maxAbs;
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < e.length; i++) {
            double rel = Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), floor);
            if (rel > worst || Double.isNaN(rel)) {
                worst = rel;
                worstAt = i;
            }
        }
        if (!(worst <= rtol)) {
            fail(what + ": relative error " + worst + " at " + worstAt + " (expected " + e[worstAt] + ", got " + a[worstAt]
                    + "), tolerance " + rtol);
        }
    }
}
