package org.vitssl.pretrain.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.loss.CenterSync;
import org.vitssl.pretrain.loss.DinoLoss;
import org.vitssl.pretrain.loss.TeacherTempSchedule;
import org.vitssl.pretrain.model.DinoHead;
import org.vitssl.pretrain.model.SafetensorsIO;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DINO replica for the barrier stage: student and teacher ViT + DINO head (the model package's blocks),
 * DINO's loss with its centre all-reduced across tasks, plain SGD on the student (constant learning rate) and a
 * constant-momentum EMA teacher. It exercises the whole stage (device placement, gradient averaging, centre
 * sync, checkpoints) without the full training loop's optimiser and schedules (AdamW, cosine LR/WD/momentum,
 * clipping, freezing: package pretrain.train), which a runner over that loop replaces it with.
 */
public final class DinoSgdRunner implements StepRunner {
    /** Serialisable description of the replica. */
    public record Factory(int dim, int depth, int heads, int patch, int imgSize, double dropPath, int outDim, int hidden,
                          int bottleneck, int headLayers, double lr, double teacherMomentum, double teacherTemp,
                          long initSeed) implements StepRunnerFactory {
        /** The backbone (DINO's ViT defaults otherwise). */
        public ViTConfig vit() {
            return ViTConfig.of(dim, depth, heads, patch, imgSize).withDropPathRate(dropPath);
        }

        @Override
        public StepRunner create(Device device, NDManager manager, CenterSync centers) {
            return new DinoSgdRunner(this, manager, centers);
        }
    }

    private static final Object INIT_LOCK = new Object();
    private final Factory f;
    private final NDManager manager;
    private final VisionTransformer studentVit, teacherVit;
    private final DinoHead studentHead, teacherHead;
    private final DinoLoss loss;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, Parameter> teacher = new LinkedHashMap<>();

    DinoSgdRunner(Factory f, NDManager base, CenterSync centers) {
        this.f = f;
        this.manager = base.newSubManager();
        // libtorch's generator is global to the process: tasks sharing an executor must not interleave their draws
        synchronized (INIT_LOCK) {
            Engine.getInstance().setRandomSeed((int) f.initSeed());
            studentVit = VisionTransformer.create(f.vit(), manager);
            studentHead = new DinoHead(f.vit().dim(), f.outDim(), false, true, f.headLayers(), f.hidden(), f.bottleneck());
            studentHead.initialize(manager);
            teacherVit = VisionTransformer.create(f.vit().withDropPathRate(0), manager);
            teacherHead = new DinoHead(f.vit().dim(), f.outDim(), false, true, f.headLayers(), f.hidden(), f.bottleneck());
            teacherHead.initialize(manager);
        }
        studentVit.namedParameters().forEach((k, v) -> student.put("backbone." + k, v));
        studentHead.namedParameters().forEach((k, v) -> student.put("head." + k, v));
        teacherVit.namedParameters().forEach((k, v) -> teacher.put("backbone." + k, v));
        teacherHead.namedParameters().forEach((k, v) -> teacher.put("head." + k, v));
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            Parameter s = student.get(e.getKey());
            if (s != null) e.getValue().getArray().set(s.getArray().toFloatArray()); // teacher = copy of the student
        }
        loss = new DinoLoss(f.outDim(), DinoLoss.DEFAULT_STUDENT_TEMP, new TeacherTempSchedule(f.teacherTemp(), f.teacherTemp(), 0),
                DinoLoss.DEFAULT_CENTER_MOMENTUM);
        loss.setCenterSync(centers);
    }

    @Override
    public LinkedHashMap<String, Parameter> gradientParameters() {
        LinkedHashMap<String, Parameter> g = new LinkedHashMap<>();
        student.forEach((k, v) -> { if (v.requiresGradient()) g.put(k, v); });
        return g;
    }

    @Override
    public LinkedHashMap<String, Parameter> replicaParameters() {
        LinkedHashMap<String, Parameter> all = new LinkedHashMap<>();
        student.forEach((k, v) -> all.put("student." + k, v));
        teacher.forEach((k, v) -> all.put("teacher." + k, v));
        return all;
    }

    @Override
    public float forwardBackward(NDManager m, MultiCropBatch batch, Position position) {
        NDArray globals = batch.globalsArray(m);
        NDArray locals = batch.localsArray(m);
        NDArray t = teacherHead.forward(null, teacherVit.forward(null, globals, null, false, new int[0], 0).cls(), false);
        for (Parameter p : student.values()) {
            NDArray a = p.getArray();
            if (a instanceof PtNDArray pt && a.hasGradient()) JniUtils.zeroGrad(pt);
        }
        try (ThreadAutograd gc = new ThreadAutograd()) {
            NDArray s = studentHead.forward(null, studentVit.forward(null, globals, null, true, new int[0], 0).cls(), true);
            if (locals != null) {
                NDArray sl = studentHead.forward(null, studentVit.forward(null, locals, null, true, new int[0], 0).cls(), true);
                s = NDArrays.concat(new NDList(s, sl), 0);
            }
            NDArray l = loss.forward(s, t, position.epoch());
            gc.backward(l);
            return l.getFloat();
        }
    }

    @Override
    public void update(Position position, long totalSteps) {
        try (NDManager sm = manager.newSubManager()) {
            for (Parameter p : gradientParameters().values()) {
                NDArray w = p.getArray();
                NDArray g = w.getGradient();
                g.attach(sm);
                NDArray step = g.mul((float) f.lr());
                step.attach(sm);
                w.subi(step);
            }
            float mom = (float) f.teacherMomentum();
            for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
                Parameter s = student.get(e.getKey());
                if (s == null) continue;
                NDArray part = s.getArray().mul(1 - mom);
                part.attach(sm);
                e.getValue().getArray().muli(mom).addi(part);
            }
        }
    }

    @Override
    public void save(String dir, Position position, Configuration hadoop) {
        try (NDManager sm = manager.newSubManager()) {
            LinkedHashMap<String, NDArray> st = new LinkedHashMap<>(), te = new LinkedHashMap<>();
            student.forEach((k, v) -> st.put(k, v.getArray()));
            teacher.forEach((k, v) -> te.put(k, v.getArray()));
            write(new Path(dir, "student.safetensors"), st, hadoop);
            write(new Path(dir, "teacher.safetensors"), te, hadoop);
            LinkedHashMap<String, NDArray> state = new LinkedHashMap<>();
            state.put("dino.center", sm.create(loss.center()));
            write(new Path(dir, "state.safetensors"), state, hadoop);
        }
    }

    @Override
    public void load(String dir, Configuration hadoop) {
        try (NDManager sm = manager.newSubManager()) {
            copyInto(student, read(new Path(dir, "student.safetensors"), sm, hadoop), dir + "/student.safetensors");
            copyInto(teacher, read(new Path(dir, "teacher.safetensors"), sm, hadoop), dir + "/teacher.safetensors");
            NDArray c = read(new Path(dir, "state.safetensors"), sm, hadoop).get("dino.center");
            if (c == null) throw new IllegalStateException(dir + "/state.safetensors lacks dino.center");
            loss.setCenter(c.toFloatArray());
        }
    }

    private static void copyInto(Map<String, Parameter> params, Map<String, NDArray> values, String source) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray v = values.get(e.getKey());
            if (v == null) throw new IllegalStateException(source + " lacks " + e.getKey());
            if (!v.getShape().equals(e.getValue().getArray().getShape())) {
                throw new IllegalStateException(source + ": " + e.getKey() + " has shape " + v.getShape() + ", the model "
                        + e.getValue().getArray().getShape());
            }
            e.getValue().getArray().set(v.toFloatArray());
        }
    }

    private static void write(Path p, Map<String, NDArray> tensors, Configuration conf) {
        try {
            FileSystem fs = p.getFileSystem(conf);
            try (FSDataOutputStream out = fs.create(p, true)) {
                SafetensorsIO.write(out, tensors, Map.of());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    private static Map<String, NDArray> read(Path p, NDManager m, Configuration conf) {
        try {
            FileSystem fs = p.getFileSystem(conf);
            try (FSDataInputStream in = fs.open(p)) {
                return SafetensorsIO.read(in, m, p.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
