package org.vitssl.embed;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

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
        if (RawPixels.selected(s.checkpoint())) {
            int[] length = {-1};
            return batches(rows, (bytes, ids) -> RawPixels.embed(bytes, ids, length));
        }
        Device device = chooseDevice(s.device());
        Configuration hadoop = SparkEnv.get() != null
                ? SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf()) : new Configuration();
        ExecutorModels.Entry model = ExecutorModels.acquire(s.checkpoint(), s.backbone(), s.numHeads(), device, hadoop);
        TaskContext tc = TaskContext.get();
        if (tc != null) tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> ExecutorModels.release(model));
        BatchEmbedder embedder = new BatchEmbedder(model.loaded.model(), model.manager,
                s.evalTransform(),
                s.feature(), s.nLastBlocks());
        return batches(rows, embedder::embed);
    }

    /** Rows out, one batch of {@code batch-size} input rows at a time. */
    private Iterator<Row> batches(Iterator<Row> rows, Embedder embedder) {
        return new Iterator<>() {
            private Iterator<Row> batch = java.util.Collections.emptyIterator();

            @Override public boolean hasNext() {
                if (batch.hasNext()) return true;
                if (!rows.hasNext()) return false;
                batch = nextBatch(rows, embedder).iterator();
                return batch.hasNext();
            }

            @Override public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch.next();
            }
        };
    }

    /** Encoded images (with their ids, for errors) to feature vectors. */
    private interface Embedder {
        float[][] embed(List<byte[]> images, List<String> ids);
    }

    private List<Row> nextBatch(Iterator<Row> rows, Embedder embedder) {
        List<String> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        while (rows.hasNext() && ids.size() < s.batchSize()) {
            Row r = rows.next();
            ids.add(r.getString(0));
            labels.add(r.isNullAt(1) ? -1 : r.getInt(1));
            bytes.add((byte[]) r.get(2));
        }
        float[][] feats = embedder.embed(bytes, ids);
        List<Row> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) out.add(RowFactory.create(ids.get(i), labels.get(i), feats[i], checkpointId));
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
