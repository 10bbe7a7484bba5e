package org.vitssl.pretrain.train.toy;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.vitssl.pretrain.train.TrainingTask;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small DINO-style task over vectors, used by the loop's tests and the memory benchmark: backbone
 * (linear + GELU + LayerNorm, with a student-only {@code masked_embed} replacing masked rows and stochastic
 * depth on the residual-free path), DINO head (linear + GELU, L2-normalised, weight-normed last layer
 * {@code last_layer.weight_v} / {@code weight_g}), DINO's cross-view loss with teacher centring and sharpening
 * and the EMA centre update. Every random draw comes from the step's streams (libtorch seeded by the trainer,
 * and {@link StepContext#rng()} for the masks).
 */
public final class MlpDinoTask implements TrainingTask<VectorBatch> {
    private static final float STUDENT_TEMP = 0.1f;
    private static final float CENTER_MOMENTUM = 0.9f;
    private static final double MASK_PROB = 0.3;
    private static final float DROP_PATH = 0.1f;

    private final NDManager manager;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, Parameter> teacher = new LinkedHashMap<>();
    private final int dim;
    private final int hidden;
    private final int out;
    private float[] center;

    public MlpDinoTask(NDManager base, int dim, int hidden, int out, long seed) {
        this.manager = base.newSubManager();
        this.dim = dim;
        this.hidden = hidden;
        this.out = out;
        this.center = new float[out];
        SplittableRandom r = new SplittableRandom(seed);
        add("backbone.masked_embed", new Shape(1, dim), r, 0.02);
        add("backbone.proj.weight", new Shape(hidden, dim), r, Math.sqrt(2.0 / dim));
        add("backbone.proj.bias", new Shape(hidden), r, 0);
        addConst("backbone.norm.weight", new Shape(hidden), 1f);
        addConst("backbone.norm.bias", new Shape(hidden), 0f);
        add("head.mlp.0.weight", new Shape(hidden, hidden), r, Math.sqrt(2.0 / hidden));
        add("head.mlp.0.bias", new Shape(hidden), r, 0);
        add("head.last_layer.weight_v", new Shape(out, hidden), r, Math.sqrt(1.0 / hidden));
        addConst("head.last_layer.weight_g", new Shape(out, 1), 1f);
        for (Map.Entry<String, Parameter> e : student.entrySet()) {
            if (e.getKey().endsWith("masked_embed")) continue; // student only, as in iBOT
            NDArray copy = e.getValue().getArray().duplicate();
            copy.setRequiresGradient(false);
            teacher.put(e.getKey(), wrap(e.getKey(), copy));
        }
    }

    private void add(String name, Shape s, SplittableRandom r, double std) {
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            double u = r.nextDouble(), w = r.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
        }
        NDArray a = manager.create(v, s);
        a.setRequiresGradient(true);
        student.put(name, wrap(name, a));
    }

    private void addConst(String name, Shape s, float value) {
        NDArray a = manager.full(s, value, DataType.FLOAT32);
        a.setRequiresGradient(true);
        student.put(name, wrap(name, a));
    }

    private static Parameter wrap(String name, NDArray a) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(a);
        return p;
    }

    @Override public LinkedHashMap<String, Parameter> student() { return student; }

    @Override public LinkedHashMap<String, Parameter> teacher() { return teacher; }

    @Override public int outputDim() { return out; }

    @Override public Map<String, float[]> centres() { return Map.of("dino.center", center.clone()); }

    @Override
    public void setCentres(Map<String, float[]> c) {
        float[] v = c.get("dino.center");
        if (v == null || v.length != out) throw new IllegalArgumentException("checkpoint lacks dino.center of length " + out);
        center = v.clone();
    }

    @Override
    public StepOutput forward(NDManager m, VectorBatch batch, StepContext ctx) {
        int b = batch.batch();
        NDArray x = m.create(batch.views(), new Shape(2L * b, dim));
        NDArray t = net(m, teacher, x, null, false);
        float[] mask = new float[2 * b];
        for (int i = 0; i < mask.length; i++) mask[i] = ctx.rng().nextDouble() < MASK_PROB ? 1f : 0f;
        NDArray s = net(m, student, x, m.create(mask, new Shape(2L * b, 1)), true);

        NDArray c = m.create(center, new Shape(1, out));
        NDArray tProb = t.sub(c).div((float) ctx.teacherTemp()).softmax(1);
        NDArray sLog = Scalars.div(s, STUDENT_TEMP).logSoftmax(1);
        NDArray loss = null;
        for (int iq = 0; iq < 2; iq++) {
            NDArray q = tProb.get(new NDIndex("{}:{}", iq * b, (iq + 1) * b));
            for (int v = 0; v < 2; v++) {
                if (v == iq) continue;
                NDArray lv = sLog.get(new NDIndex("{}:{}", v * b, (v + 1) * b));
                NDArray term = q.mul(lv).sum(new int[] {1}).neg().mean();
                loss = loss == null ? term : loss.add(term);
            }
        }
        loss = Scalars.div(loss, 2f);
        // centre update (after use, as inside DINOLoss)
        NDArray batchCenter = t.mean(new int[] {0}, true);
        center = c.mul(CENTER_MOMENTUM).add(batchCenter.mul(1 - CENTER_MOMENTUM)).toFloatArray();
        return new StepOutput(loss, Map.of("dino", loss), tProb);
    }

    private NDArray net(NDManager m, Map<String, Parameter> p, NDArray x, NDArray mask, boolean train) {
        NDArray in = x;
        if (mask != null) {
            NDArray keep = mask.neg().add(1f);
            in = x.mul(keep).add(mask.mul(arr(p, "backbone.masked_embed")));
        }
        NDArray h = Linear.linear(in, arr(p, "backbone.proj.weight"), arr(p, "backbone.proj.bias")).singletonOrThrow();
        h = Activation.gelu(h);
        h = LayerNorm.layerNorm(h, new Shape(hidden), arr(p, "backbone.norm.weight"), arr(p, "backbone.norm.bias"), 1e-6f)
                .singletonOrThrow();
        if (train) {
            NDArray u = m.randomUniform(0f, 1f, new Shape(h.getShape().get(0), 1));
            NDArray keep = u.gte(DROP_PATH).toType(DataType.FLOAT32, false).div(1 - DROP_PATH);
            h = h.mul(keep);
        }
        NDArray z = Activation.gelu(Linear.linear(h, arr(p, "head.mlp.0.weight"), arr(p, "head.mlp.0.bias")).singletonOrThrow());
        z = z.normalize(2, 1, 1e-12);
        NDArray v = arr(p, "head.last_layer.weight_v");
        NDArray g = arr(p, "head.last_layer.weight_g");
        // W = g * v / ||v|| per output row; the first operand of each op is step-scoped so results land in m
        NDArray ones = m.ones(new Shape(1, 1));
        NDArray vn = ones.mul(v).norm(new int[] {1}, true);
        NDArray w = ones.mul(v).div(vn).mul(g);
        return Linear.linear(z, w, null).singletonOrThrow();
    }

    private static NDArray arr(Map<String, Parameter> p, String name) {
        return p.get(name).getArray();
    }

    @Override
    public void close() {
        manager.close();
    }
}
