package org.vitssl.pretrain.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.Map;

/**
 * The teacher's exponential moving average: {@code theta_t <- m theta_t + (1 - m) theta_s} for every parameter
 * name present in both networks (iBOT's rule, which excludes the student's masked_embed). Buffers are not
 * averaged. Returns the number of parameters updated.
 */
public final class Ema {
    private Ema() {}

    public static int update(Map<String, Parameter> teacher, Map<String, Parameter> student, double momentum) {
        float m = (float) momentum;
        float oneMinus = (float) (1.0 - momentum);
        int n = 0;
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            Parameter s = student.get(e.getKey());
            if (s == null) continue;
            NDArray t = e.getValue().getArray();
            try (NDArray sd = s.getArray().stopGradient(); NDArray scaled = sd.mul(oneMinus)) {
                t.muli(m).addi(scaled);
            }
            n++;
        }
        return n;
    }
}
