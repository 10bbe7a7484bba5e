package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The model tests' shared helpers: loads the PyTorch fixtures (written by src/test/python/make_model_fixtures.py)
 * into arrays and into blocks, compares arrays, and gives each test class one base NDManager.
 */
final class Fixtures {
    /** Relative tolerance of the comparisons with the PyTorch reference ({@link #assertClose}). */
    static final double RTOL = 1e-5;

    private Fixtures() {}

    /** A test class with one base NDManager, opened before its tests and closed after them. */
    abstract static class ManagedTest {
        static NDManager manager;

        @BeforeAll
        static void openManager() {
            manager = NDManager.newBaseManager();
        }

        @AfterAll
        static void closeManager() {
            manager.close();
        }
    }

    /**
     * Loads the fixture tensors under {@code prefix} into {@code block} (strict shapes) and asserts that no
     * tensor under the prefix was left unused and, when {@code complete}, that no parameter was missing.
     */
    static SafetensorsIO.LoadReport loadInto(NamedParameters block, Map<String, NDArray> f, String prefix, boolean complete) {
        SafetensorsIO.LoadReport r = SafetensorsIO.load(block, f, prefix, true);
        assertTrue(r.unexpected().isEmpty() && (!complete || r.missing().isEmpty()), r.toString());
        return r;
    }

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
