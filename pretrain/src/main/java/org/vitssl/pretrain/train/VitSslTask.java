package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.loss.DinoLoss;
import org.vitssl.pretrain.loss.IbotLoss;
import org.vitssl.pretrain.loss.LossConfigs;
import org.vitssl.pretrain.mask.MaskConfigs;
import org.vitssl.pretrain.mask.MaskInput;
import org.vitssl.pretrain.mask.MaskStrategy;
import org.vitssl.pretrain.mask.PatchMasks;
import org.vitssl.pretrain.model.DinoHead;
import org.vitssl.pretrain.model.IbotHead;
import org.vitssl.pretrain.model.NamedBlock;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.ViTOutput;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;

/**
 * DINO and the iBOT family (iBOT with block / random masks, AttMask high / low / hint, Reppas attention masks)
 * on a ViT, as main_dino.py / main_ibot.py / main_attmask.py run a step:
 * <ul>
 *   <li>teacher (no drop path, no mask token, no gradient) on the global crops, unmasked; for attention-driven
 *       masks it also returns the attention of the layers the mask strategy reads;</li>
 *   <li>masks of the global crops from {@code vitssl.mask} with the step's random stream;</li>
 *   <li>student (drop path) on the global crops, masked for the iBOT family, and on the local crops unmasked
 *       (CLS only); views are grouped by resolution (one forward per resolution);</li>
 *   <li>DINO loss on the CLS outputs (dino) or iBOT loss on CLS + masked patch tokens (the others); the loss
 *       updates its centres after use.</li>
 * </ul>
 * Parameters are named {@code backbone.<timm name>} and {@code head.<name>}; the teacher starts as an exact copy
 * of the student (over the names both have; the student's masked_embed is its own).
 */
public final class VitSslTask implements TrainingTask<MultiCropBatch> {
    private final String method;
    private final NDManager manager;
    private final VisionTransformer studentVit;
    private final VisionTransformer teacherVit;
    private final NamedBlock studentHead;
    private final NamedBlock teacherHead;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, Parameter> teacher = new LinkedHashMap<>();
    private final DinoLoss dinoLoss;
    private final IbotLoss ibotLoss;
    private final MaskStrategy masks;
    private final int outDim;
    private final int[] attentionLayers;

    public VitSslTask(Config c, NDManager base, long seed) {
        this.method = PretrainChecks.method(c);
        this.manager = base.newSubManager();
        ViTConfig vit = ViTConfig.fromConfig(c);
        boolean ibotFamily = !method.equals("dino");
        JniUtils.setSeed(seed);
        studentVit = VisionTransformer.create(vit, manager);
        teacherVit = VisionTransformer.create(vit.withDropPathRate(0.0).withMaskToken(false), manager);
        if (ibotFamily) {
            Config hc = c.getConfig("vitssl.model.ibot-head");
            studentHead = IbotHead.fromConfig(vit.dim(), hc);
            teacherHead = IbotHead.fromConfig(vit.dim(), hc);
            outDim = hc.getInt("out-dim");
            ibotLoss = LossConfigs.ibot(c, outDim, hc.getInt("patch-out-dim"));
            dinoLoss = null;
            masks = MaskConfigs.fromConfig(c);
        } else {
            Config hc = c.getConfig("vitssl.model.dino-head");
            studentHead = DinoHead.fromConfig(vit.dim(), hc);
            teacherHead = DinoHead.fromConfig(vit.dim(), hc);
            outDim = hc.getInt("out-dim");
            dinoLoss = LossConfigs.dino(c, outDim);
            ibotLoss = null;
            masks = null;
        }
        studentHead.initialize(manager);
        teacherHead.initialize(manager);
        put(student, "backbone.", studentVit.namedParameters());
        put(student, "head.", studentHead.namedParameters());
        put(teacher, "backbone.", teacherVit.namedParameters());
        put(teacher, "head.", teacherHead.namedParameters());
        copyIntoTeacher(teacher, student);
        if (masks != null && masks.needsAttention()) {
            SortedSet<Integer> l = masks.attentionLayers(vit.depth());
            attentionLayers = l.stream().mapToInt(Integer::intValue).toArray();
        } else {
            attentionLayers = new int[0];
        }
    }

    static void put(Map<String, Parameter> into, String prefix, Map<String, Parameter> from) {
        for (Map.Entry<String, Parameter> e : from.entrySet()) into.put(prefix + e.getKey(), e.getValue());
    }

    /** The teacher starts as an exact copy of the student over its names; it takes no gradient. */
    static void copyIntoTeacher(Map<String, Parameter> teacher, Map<String, Parameter> student) {
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            Parameter s = student.get(e.getKey());
            NDArray t = e.getValue().getArray();
            if (s == null) throw new IllegalStateException("teacher parameter " + e.getKey() + " has no student counterpart");
            t.setRequiresGradient(false);
            t.set(s.getArray().toByteBuffer());
        }
    }

    @Override public LinkedHashMap<String, Parameter> student() { return student; }

    @Override public LinkedHashMap<String, Parameter> teacher() { return teacher; }

    @Override public int outputDim() { return outDim; }

    @Override
    public Map<String, float[]> centres() {
        Map<String, float[]> m = new LinkedHashMap<>();
        if (dinoLoss != null) m.put("dino.center", dinoLoss.center());
        if (ibotLoss != null) {
            m.put("ibot.center", ibotLoss.center());
            m.put("ibot.center2", ibotLoss.center2());
        }
        return m;
    }

    @Override
    public void setCentres(Map<String, float[]> c) {
        for (String k : centres().keySet()) {
            if (!c.containsKey(k)) throw new IllegalArgumentException("the checkpoint has no loss centre " + k + " (another method?)");
        }
        if (dinoLoss != null) dinoLoss.setCenter(c.get("dino.center"));
        if (ibotLoss != null) {
            ibotLoss.setCenter(c.get("ibot.center"));
            ibotLoss.setCenter2(c.get("ibot.center2"));
        }
    }

    @Override
    public StepOutput forward(NDManager m, MultiCropBatch batch, StepContext ctx) {
        int b = batch.batchSize();
        int g = batch.globalCount();
        int p = studentVit.config().patch();
        int grid = batch.globalSize() / p;
        NDArray globals = batch.globalsArray(m);
        NDArray locals = batch.localCount() > 0 ? batch.localsArray(m) : null;

        ViTOutput to = teacherVit.forward(null, globals, null, false, attentionLayers, 0);
        NDArray maskArr = null;
        if (masks != null) {
            Map<Integer, NDArray> attn = new HashMap<>(to.attentions());
            boolean[][] mk = masks.generate(new MaskInput(g * b, grid, grid, ctx.epoch(), studentVit.depth(), attn), ctx.rng());
            maskArr = PatchMasks.toArray(m, mk, grid, grid);
        }
        ViTOutput so = studentVit.forward(null, globals, maskArr, true, new int[0], 0);
        NDArray localCls = locals == null ? null : studentVit.forward(null, locals, null, true, new int[0], 0).cls();

        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray loss;
        NDArray tLogits;
        float[] centre;
        if (dinoLoss != null) {
            DinoHead sh = (DinoHead) studentHead;
            DinoHead th = (DinoHead) teacherHead;
            tLogits = th.forward(null, to.cls(), false);
            NDArray sAll = sh.forward(null, localCls == null ? so.cls() : NDArrays.concat(new NDList(so.cls(), localCls)), true);
            centre = dinoLoss.center();
            loss = dinoLoss.forward(sAll, tLogits, ctx.epoch());
            terms.put("dino", loss);
        } else {
            IbotHead sh = (IbotHead) studentHead;
            IbotHead th = (IbotHead) teacherHead;
            NDList t = th.forwardAll(null, to.tokens(), false);
            NDList s = sh.forwardAll(null, so.tokens(), true);
            NDArray sCls = s.get(0);
            if (localCls != null) sCls = NDArrays.concat(new NDList(sCls, sh.forwardAll(null, localCls, true).get(0)));
            tLogits = t.get(0);
            centre = ibotLoss.center();
            IbotLoss.Result r = ibotLoss.forward(sCls, s.get(1), t.get(0), t.get(1), maskArr, ctx.epoch());
            loss = r.total();
            terms.put("cls", r.cls());
            terms.put("mim", r.mim());
        }
        double temp = dinoLoss != null ? dinoLoss.teacherTempSchedule().at(ctx.epoch()) : ibotLoss.teacherTempSchedule().at(ctx.epoch());
        NDArray probs = tLogits.sub(m.create(centre, new Shape(1, centre.length))).div((float) temp).softmax(-1);
        return new StepOutput(loss, terms, probs);
    }

    public String method() { return method; }

    /** Sums the loss centres' batch statistics over data-parallel workers (the Spark stage's all-reduce). */
    @Override
    public void setCenterSync(org.vitssl.pretrain.loss.CenterSync sync) {
        if (dinoLoss != null) dinoLoss.setCenterSync(sync);
        if (ibotLoss != null) ibotLoss.setCenterSync(sync);
    }

    public int patchSize() { return studentVit.config().patch(); }

    @Override
    public void close() {
        manager.close();
    }
}
