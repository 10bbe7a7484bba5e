package org.vitssl.pretrain.train;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.loss.BarlowTwinsLoss;
import org.vitssl.pretrain.loss.LossConfigs;
import org.vitssl.pretrain.model.BarlowProjector;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Barlow Twins (ALGORITHMS.md 3.3, 4.3) with a ViT backbone instead of the reference ResNet-50:
 * <ul>
 *   <li>one backbone pass (drop path) over the global crops of the batch, CLS token;</li>
 *   <li>the Barlow projector ([Linear(no bias), BatchNorm1d, ReLU] per hidden size, then Linear(no bias)) applied
 *       to each view separately, as {@code projector(backbone(y1))}, {@code projector(backbone(y2))}, so the
 *       BatchNorm batch statistics are per view (training mode; its running statistics are buffers saved in
 *       {@code student.safetensors} under {@code projector.<i>.running_mean} ...);</li>
 *   <li>the Barlow Twins loss (non-affine BatchNorm of each view's embedding, C = z1^T z2 / n, lambda) on the two
 *       views; with more than 2 global crops, the mean over all unordered pairs of views.</li>
 * </ul>
 * No teacher: {@link #teacher()} is empty, so the loop runs no EMA, the checkpoint's teacher file is empty and the
 * exported backbone is the student's. Parameters: {@code backbone.*}, {@code projector.*}. The collapse monitor
 * reads the standard deviation of the L2-normalised projector outputs of the first view. Single worker only: the
 * reference synchronises the projector's BatchNorm and the cross-correlation across workers, which this task does
 * not (the config check refuses {@code vitssl.pretrain.devices} &gt; 1).
 */
public final class BarlowTwinsTask implements TrainingTask<MultiCropBatch> {
    private final NDManager manager;
    private final VisionTransformer vit;
    private final BarlowProjector projector;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, NDArray> buffers = new LinkedHashMap<>();
    private final BarlowTwinsLoss loss;
    private final int outDim;

    public BarlowTwinsTask(Config c, NDManager base, long seed) {
        this.manager = base.newSubManager();
        ViTConfig vc = ViTConfig.fromConfig(c).withMaskToken(false);
        JniUtils.setSeed(seed);
        vit = VisionTransformer.create(vc, manager);
        projector = BarlowProjector.fromConfig(vc.dim(), c.getConfig("vitssl.model.barlow-projector"));
        projector.initialize(manager);
        List<Integer> sizes = c.getIntList("vitssl.model.barlow-projector.sizes");
        outDim = sizes.get(sizes.size() - 1);
        loss = LossConfigs.barlowTwins(c);
        VitSslTask.put(student, "backbone.", vit.namedParameters());
        VitSslTask.put(student, "projector.", projector.namedParameters());
        for (Map.Entry<String, NDArray> e : projector.namedBuffers().entrySet()) buffers.put("projector." + e.getKey(), e.getValue());
    }

    @Override public LinkedHashMap<String, Parameter> student() { return student; }

    /** No teacher. */
    @Override public LinkedHashMap<String, Parameter> teacher() { return new LinkedHashMap<>(); }

    @Override public LinkedHashMap<String, NDArray> buffers() { return buffers; }

    @Override public int outputDim() { return outDim; }

    @Override public Map<String, float[]> centres() { return new LinkedHashMap<>(); }

    @Override public void setCentres(Map<String, float[]> centres) {}

    @Override
    public StepOutput forward(NDManager m, MultiCropBatch batch, StepContext ctx) {
        int b = batch.batchSize();
        int g = batch.globalCount();
        NDArray cls = vit.forward(null, batch.globalsArray(m), null, true, new int[0], 0).cls();
        NDArray[] z = new NDArray[g];
        for (int v = 0; v < g; v++) z[v] = projector.forward(null, cls.get(new NDIndex("{}:{}", v * b, (v + 1) * b)), true);
        NDArray total = null;
        int pairs = 0;
        for (int i = 0; i < g; i++) {
            for (int j = i + 1; j < g; j++) {
                NDArray l = loss.forward(z[i], z[j]);
                total = total == null ? l : total.add(l);
                pairs++;
            }
        }
        if (pairs > 1) total = Scalars.div(total, (float) pairs);
        return new StepOutput(total, new LinkedHashMap<>(), null, z[0]);
    }

    @Override
    public void close() {
        manager.close();
    }
}
