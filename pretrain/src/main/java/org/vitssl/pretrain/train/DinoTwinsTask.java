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
import org.vitssl.pretrain.loss.CenterSync;
import org.vitssl.pretrain.loss.DinoTwinsLoss;
import org.vitssl.pretrain.loss.LossConfigs;
import org.vitssl.pretrain.model.DinoTwinsHead;
import org.vitssl.pretrain.model.DinoTwinsProjector;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DINO Twins (ALGORITHMS.md 3.4, 4.4) on a ViT:
 * <ul>
 *   <li>student ViT (drop path) on every crop, CLS token; crops of one resolution go through the backbone in one
 *       pass (all crops at once when locals and globals have the same size, as in the CIFAR-10 recipe);</li>
 *   <li>DINO Twins head (no weight norm, GELU before the L2 normalisation) on the student CLS of all crops and,
 *       in the EMA teacher (no drop path, no gradient), on the global crops;</li>
 *   <li>the student's separate Barlow projector on the CLS of all crops (student only, not in the teacher);</li>
 *   <li>loss: DINO part + beta-weighted Barlow Twins averaged over the ordered pairs of distinct crops
 *       ({@link DinoTwinsLoss}); the DINO centre is updated after use and summed over data-parallel workers
 *       through {@link CenterSync} when set (the reference computes it on one device).</li>
 * </ul>
 * Parameters: {@code backbone.*}, {@code head.*} (student and teacher), {@code projector.*} (student only, so
 * the EMA over common names leaves it out). Keys: {@code vitssl.model.dino-twins}, {@code vitssl.loss.dino-twins}.
 */
public final class DinoTwinsTask implements TrainingTask<MultiCropBatch> {
    private final NDManager manager;
    private final VisionTransformer studentVit;
    private final VisionTransformer teacherVit;
    private final DinoTwinsHead studentHead;
    private final DinoTwinsHead teacherHead;
    private final DinoTwinsProjector projector;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, Parameter> teacher = new LinkedHashMap<>();
    private final DinoTwinsLoss loss;
    private final int outDim;

    public DinoTwinsTask(Config c, NDManager base, long seed) {
        this.manager = base.newSubManager();
        ViTConfig vit = ViTConfig.fromConfig(c).withMaskToken(false);
        Config hc = c.getConfig("vitssl.model.dino-twins");
        JniUtils.setSeed(seed);
        studentVit = VisionTransformer.create(vit, manager);
        teacherVit = VisionTransformer.create(vit.withDropPathRate(0.0), manager);
        studentHead = DinoTwinsHead.fromConfig(vit.dim(), hc);
        teacherHead = DinoTwinsHead.fromConfig(vit.dim(), hc);
        projector = DinoTwinsProjector.fromConfig(vit.dim(), hc);
        studentHead.initialize(manager);
        teacherHead.initialize(manager);
        projector.initialize(manager);
        outDim = hc.getInt("out-dim");
        loss = LossConfigs.dinoTwins(c, outDim);
        VitSslTask.put(student, "backbone.", studentVit.namedParameters());
        VitSslTask.put(student, "head.", studentHead.namedParameters());
        VitSslTask.put(student, "projector.", projector.namedParameters());
        VitSslTask.put(teacher, "backbone.", teacherVit.namedParameters());
        VitSslTask.put(teacher, "head.", teacherHead.namedParameters());
        VitSslTask.copyIntoTeacher(teacher, student);
    }

    @Override public LinkedHashMap<String, Parameter> student() { return student; }

    @Override public LinkedHashMap<String, Parameter> teacher() { return teacher; }

    @Override public int outputDim() { return outDim; }

    @Override
    public Map<String, float[]> centres() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("dino-twins.center", loss.center());
        return m;
    }

    @Override
    public void setCentres(Map<String, float[]> c) {
        float[] v = c.get("dino-twins.center");
        if (v == null) throw new IllegalArgumentException("the checkpoint has no loss centre dino-twins.center (another method?)");
        loss.setCenter(v);
    }

    @Override
    public void setCenterSync(CenterSync sync) {
        loss.dinoLoss().setCenterSync(sync);
    }

    @Override
    public StepOutput forward(NDManager m, MultiCropBatch batch, StepContext ctx) {
        NDArray globals = batch.globalsArray(m);
        NDArray locals = batch.localCount() > 0 ? batch.localsArray(m) : null;
        NDArray tLogits = teacherHead.forward(null, teacherVit.forward(null, globals, null, false, new int[0], 0).cls(), false);
        NDArray sCls = studentCls(studentVit, globals, locals, batch);
        NDArray sLogits = studentHead.forward(null, sCls, true);
        NDArray z = projector.forward(null, sCls, true);
        float[] centre = loss.center();
        DinoTwinsLoss.Result r = loss.forward(sLogits, tLogits, z, ctx.epoch());
        Map<String, NDArray> terms = new LinkedHashMap<>();
        terms.put("dino", r.dino());
        terms.put("bt", r.bt());
        double temp = loss.dinoLoss().teacherTempSchedule().at(ctx.epoch());
        NDArray probs = tLogits.sub(m.create(centre, new Shape(1, centre.length))).div((float) temp).softmax(-1);
        return new StepOutput(r.total(), terms, probs);
    }

    /**
     * The student's CLS tokens of all crops, crop-major (globals first): one backbone pass per resolution, a
     * single pass when local and global crops have the same size.
     */
    static NDArray studentCls(VisionTransformer vit, NDArray globals, NDArray locals, MultiCropBatch batch) {
        if (locals == null) return vit.forward(null, globals, null, true, new int[0], 0).cls();
        if (batch.localSize() == batch.globalSize()) {
            return vit.forward(null, NDArrays.concat(new NDList(globals, locals)), null, true, new int[0], 0).cls();
        }
        NDArray g = vit.forward(null, globals, null, true, new int[0], 0).cls();
        NDArray l = vit.forward(null, locals, null, true, new int[0], 0).cls();
        return NDArrays.concat(new NDList(g, l));
    }

    public DinoTwinsLoss loss() { return loss; }

    @Override
    public void close() {
        manager.close();
    }
}
