package org.vitssl.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.pretrain.model.VisionTransformer;
import org.vitssl.pretrain.model.ViTOutput;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Encoded images -> feature vectors for one batch: decode, evaluation transform, one forward pass,
 * feature extraction. The batch's arrays live in a sub-manager of the model's manager, closed at the
 * end, so memory stays flat however many batches run.
 */
public final class BatchEmbedder {
    private final VisionTransformer model;
    private final NDManager modelManager;
    private final EvalTransform transform;
    private final FeatureKind feature;
    private final int nLastBlocks;

    public BatchEmbedder(VisionTransformer model, NDManager modelManager, EvalTransform transform,
                         FeatureKind feature, int nLastBlocks) {
        this.model = model;
        this.modelManager = modelManager;
        this.transform = transform;
        this.feature = feature;
        this.nLastBlocks = nLastBlocks;
    }

    /** One feature vector per image; {@code ids} name an image that cannot be decoded. */
    public float[][] embed(List<byte[]> images, List<String> ids) {
        int b = images.size();
        int size = transform.cropSize();
        int per = 3 * size * size;
        float[] pixels = new float[b * per];
        for (int i = 0; i < b; i++) {
            float[] chw;
            try {
                chw = transform.toTensor(OpenCv.decode(images.get(i)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("image " + ids.get(i) + " cannot be decoded: " + e.getMessage(), e);
            }
            System.arraycopy(chw, 0, pixels, i * per, per);
        }
        float[][] feats = new float[b][];
        try (NDManager m = modelManager.newSubManager()) {
            NDArray x = m.create(FloatBuffer.wrap(pixels), new Shape(b, 3, size, size));
            ViTOutput out = model.forward(null, x, null, false, new int[0], feature.lastBlocksNeeded(nLastBlocks));
            NDArray f = feature.extract(out);
            int dim = (int) f.getShape().get(1);
            float[] flat = f.toFloatArray();
            for (int i = 0; i < b; i++) feats[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
        }
        return feats;
    }
}
