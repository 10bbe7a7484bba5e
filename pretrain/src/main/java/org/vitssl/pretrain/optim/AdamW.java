package org.vitssl.pretrain.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * torch.optim.AdamW with DINO's two parameter groups, a learning rate and weight decay given per step, and
 * torch's per-parameter state (step, exp_avg, exp_avg_sq), created lazily at a parameter's first update:
 *
 * <pre>
 *   p  &lt;- p (1 - lr wd_g)                       wd_g = wd for the regularised group, 0 for biases / 1-D
 *   m  &lt;- b1 m + (1 - b1) g;   v &lt;- b2 v + (1 - b2) g^2;   t &lt;- t + 1
 *   p  &lt;- p - lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * The update runs in libtorch's native {@code adamUpdate} op (one call per parameter). That op computes
 * {@code p -= lr' m / (sqrt(v) + eps')}; passing {@code lr' = lr sqrt(1-b2^t)/(1-b1^t)} and
 * {@code eps' = eps sqrt(1-b2^t)} makes it torch's bias-corrected AdamW exactly (up to float rounding).
 * A skipped parameter (frozen last layer) is left entirely alone, decay and state included, as torch does
 * for a parameter whose gradient is None. The op zeroes the gradient it consumed.
 */
public final class AdamW implements AutoCloseable {
    public static final String EXP_AVG = "exp_avg.";
    public static final String EXP_AVG_SQ = "exp_avg_sq.";
    public static final String STEP = "step.";

    private final LinkedHashMap<String, Parameter> params;
    private final float beta1;
    private final float beta2;
    private final double eps;
    private final boolean decayAll;
    private final NDManager stateManager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();

    /** {@code baseManager}: the optimiser's state lives in a sub-manager of it, closed with {@link #close()}. */
    public AdamW(Map<String, Parameter> params, double beta1, double beta2, double eps, NDManager baseManager) {
        this(params, beta1, beta2, eps, false, baseManager);
    }

    /** {@code decayAll}: one group, every parameter decayed (plain torch.optim.AdamW, as DINO Twins uses it). */
    public AdamW(Map<String, Parameter> params, double beta1, double beta2, double eps, boolean decayAll, NDManager baseManager) {
        this.params = new LinkedHashMap<>(params);
        this.decayAll = decayAll;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = eps;
        this.stateManager = baseManager.newSubManager();
        this.stateManager.setName("adamw-state");
    }

    public AdamW(Map<String, Parameter> params, OptimSettings s, NDManager baseManager) {
        this(params, s.beta1(), s.beta2(), s.eps(), s.decayAll(), baseManager);
    }

    /**
     * One optimiser step over every parameter that has a gradient and is not {@code skip}ped.
     *
     * @param lr learning rate of this iteration (both groups)
     * @param weightDecay weight decay of this iteration (regularised group only)
     */
    public void step(double lr, double weightDecay, Predicate<String> skip) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            if (skip != null && skip.test(name)) continue;
            NDArray w = e.getValue().getArray();
            if (!w.hasGradient()) continue;
            NDArray g = w.getGradient();
            NDArray m = expAvg.get(name);
            if (m == null) {
                m = stateManager.zeros(w.getShape(), w.getDataType(), w.getDevice());
                NDArray v = stateManager.zeros(w.getShape(), w.getDataType(), w.getDevice());
                expAvg.put(name, m);
                expAvgSq.put(name, v);
                steps.put(name, 0L);
            }
            NDArray v = expAvgSq.get(name);
            long t = steps.get(name) + 1;
            steps.put(name, t);
            double bc1 = 1 - Math.pow(beta1, t);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
            double wd = decayAll || ParamGroups.decayed(name, w.getShape()) ? weightDecay : 0.0;
            w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(w),
                    (float) lr, (float) (lr * bc2Sqrt / bc1), (float) wd, 1f, -1f,
                    beta1, beta2, (float) (eps * bc2Sqrt), false, true);
            g.close();
        }
    }

    /** Torch's per-parameter step count (0 before the first update). */
    public long stepOf(String name) {
        return steps.getOrDefault(name, 0L);
    }

    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * The state as named arrays for a checkpoint: {@code exp_avg.<name>}, {@code exp_avg_sq.<name>} and
     * {@code step.<name>} (int64, shape (1)). The arrays are the live ones: do not close them.
     */
    public LinkedHashMap<String, NDArray> stateArrays(NDManager m) {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        for (String name : expAvg.keySet()) {
            out.put(EXP_AVG + name, expAvg.get(name));
            out.put(EXP_AVG_SQ + name, expAvgSq.get(name));
            out.put(STEP + name, m.create(new long[] {steps.get(name)}));
        }
        return out;
    }

    /** Replaces the state with a checkpoint's ({@link #stateArrays}); names and shapes must match parameters. */
    public void loadState(Map<String, NDArray> state) {
        for (NDArray a : expAvg.values()) a.close();
        for (NDArray a : expAvgSq.values()) a.close();
        expAvg.clear();
        expAvgSq.clear();
        steps.clear();
        for (Map.Entry<String, NDArray> e : state.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(STEP)) {
                if (!key.startsWith(EXP_AVG) && !key.startsWith(EXP_AVG_SQ)) {
                    throw new IllegalArgumentException("unknown optimizer state entry " + key);
                }
                continue;
            }
            String name = key.substring(STEP.length());
            Parameter p = params.get(name);
            if (p == null) throw new IllegalArgumentException("optimizer state for unknown parameter " + name);
            NDArray m = state.get(EXP_AVG + name);
            NDArray v = state.get(EXP_AVG_SQ + name);
            if (m == null || v == null) throw new IllegalArgumentException("optimizer state of " + name + " is incomplete");
            Shape shape = p.getArray().getShape();
            if (!m.getShape().equals(shape) || !v.getShape().equals(shape)) {
                throw new IllegalArgumentException("optimizer state of " + name + " has shape " + m.getShape()
                        + ", the parameter " + shape);
            }
            NDArray mm = stateManager.create(m.getShape(), DataType.FLOAT32);
            m.toType(DataType.FLOAT32, false).copyTo(mm);
            NDArray vv = stateManager.create(v.getShape(), DataType.FLOAT32);
            v.toType(DataType.FLOAT32, false).copyTo(vv);
            expAvg.put(name, mm);
            expAvgSq.put(name, vv);
            steps.put(name, e.getValue().toType(DataType.INT64, false).toLongArray()[0]);
        }
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
