package org.vitssl.embed;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.vitssl.augment.transform.EvalTransform;
import org.vitssl.augment.transform.OpenCv;
import org.vitssl.augment.transform.Rgb8;
import org.vitssl.pretrain.model.ViTOutput;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The executor side of {@code embed}: rows (image_id, label, bytes) in, rows (image_id, label,
 * features, checkpoint) out, one forward pass per batch of {@code batch-size} images. Decoding and
 * the evaluation transform run on the executor; every batch's arrays live in their own NDManager.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private final EmbedSettings s;
    private final String checkpointId;

    EmbedPartition(EmbedSettings settings, String checkpointId) {
        this.s = settings;
        this.checkpointId = checkpointId;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) return java.util.Collections.emptyIterator();
        Device device = chooseDevice(s.device());
        Configuration hadoop = SparkEnv.get() != null
                ? SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf()) : new Configuration();
        ExecutorModels.Entry model = ExecutorModels.acquire(s.checkpoint(), s.backbone(), s.numHeads(), device, hadoop);
        TaskContext tc = TaskContext.get();
        if (tc != null) tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> ExecutorModels.release(model));
        EvalTransform tf = new EvalTransform(s.evalResize(), s.evalCrop(), s.evalIdentityAtSize(), s.mean(), s.std());
        return new Iterator<>() {
            private Iterator<Row> batch = java.util.Collections.emptyIterator();

            @Override public boolean hasNext() {
                if (batch.hasNext()) return true;
                if (!rows.hasNext()) return false;
                batch = nextBatch(rows, model, tf).iterator();
                return batch.hasNext();
            }

            @Override public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch.next();
            }
        };
    }

    private List<Row> nextBatch(Iterator<Row> rows, ExecutorModels.Entry model, EvalTransform tf) {
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int size = tf.cropSize();
        int per = 3 * size * size;
        float[] pixels = new float[s.batchSize() * per];
        while (rows.hasNext() && ids.size() < s.batchSize()) {
            Row r = rows.next();
            String id = r.getString(0);
            Rgb8 img;
            try {
                img = OpenCv.decode((byte[]) r.get(2));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("image " + id + " cannot be decoded: " + e.getMessage(), e);
            }
            float[] chw = tf.toTensor(img);
            System.arraycopy(chw, 0, pixels, ids.size() * per, per);
            ids.add(id);
            labels.add(r.isNullAt(1) ? -1 : r.getInt(1));
        }
        int b = ids.size();
        float[][] feats = new float[b][];
        try (NDManager m = model.manager.newSubManager()) {
            NDArray x = m.create(java.nio.FloatBuffer.wrap(pixels, 0, b * per), new Shape(b, 3, size, size));
            ViTOutput out = model.loaded.model().forward(null, x, null, false, new int[0],
                    s.feature().lastBlocksNeeded(s.nLastBlocks()));
            NDArray f = s.feature().extract(out);
            long dim = f.getShape().get(1);
            float[] flat = f.toFloatArray();
            for (int i = 0; i < b; i++) {
                feats[i] = java.util.Arrays.copyOfRange(flat, (int) (i * dim), (int) ((i + 1) * dim));
            }
        }
        List<Row> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) out.add(RowFactory.create(ids.get(i), labels.get(i), feats[i], checkpointId));
        return out;
    }

    /** The GPU Spark gave this task (stage-level resources), if any and if the engine sees GPUs. */
    static Device chooseDevice(String mode) {
        if ("cpu".equals(mode)) return Device.cpu();
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.resources().contains("gpu")) {
            ResourceInformation gpu = tc.resources().apply("gpu");
            if (gpu.addresses().length > 0 && Engine.getInstance().getGpuCount() > 0) {
                return Device.gpu(Integer.parseInt(gpu.addresses()[0]));
            }
        }
        return Device.cpu();
    }
}
