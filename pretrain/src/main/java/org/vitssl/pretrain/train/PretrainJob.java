package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;
import org.vitssl.pretrain.optim.OptimSettings;

import java.util.ArrayList;
import java.util.List;

/** {@code vitssl pretrain -c conf/<recipe>.conf}: teacher-student pretraining on one machine. */
public final class PretrainJob implements VitsslJob {
    @Override public String name() { return "pretrain"; }

    @Override public String summary() { return "self-supervised ViT pretraining (dino, ibot, attmask, reppas, barlow-twins, dino-twins) with checkpoints and exact resume"; }

    @Override
    public String help() {
        return "Reads the ingest images table (vitssl.pretrain.images), augments with the multi-crop loader\n"
                + "(vitssl.augment), trains student and teacher (vitssl.model, vitssl.loss, vitssl.mask, vitssl.pretrain)\n"
                + "and writes <run-dir>/checkpoints/step-<n>/ and <run-dir>/metrics.jsonl. Resumes from the newest\n"
                + "complete checkpoint of run-dir. Recipes: conf/dino-vits16.conf, conf/ibot-vits16.conf,\n"
                + "conf/attmask-20pct.conf, conf/fashion-mnist-tiny.conf, conf/dino-twins-cifar10.conf,\n"
                + "conf/barlow-twins.conf. See pretrain/README-training.md.";
    }

    @Override public String configSection() { return TrainerSettings.SECTION; }

    @Override
    public void validate(Config config) {
        PretrainChecks.validate(config);
        optim(config);
        if (config.getString(TrainerSettings.SECTION + ".images").isBlank()) {
            throw org.vitssl.common.config.ConfigChecks.bad(TrainerSettings.SECTION + ".images", "\"\"", "must name the images table");
        }
    }

    static OptimSettings optim(Config c) {
        return TrainingTasks.optim(c);
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config c = ctx.config();
        validate(c);
        TrainerSettings s = TrainerSettings.fromConfig(c);
        if (org.vitssl.pretrain.spark.ClusterPretrain.enabled(c)) {
            org.vitssl.pretrain.spark.ClusterTraining.Result r = org.vitssl.pretrain.spark.ClusterPretrain.run(c, ctx.out());
            ctx.out().printf("pretrain: done, %d steps on %d tasks, last checkpoint at %s%n", r.end().step(), s.devices(), r.end());
            return 0;
        }
        if (s.devices() != 1) {
            throw org.vitssl.common.config.ConfigChecks.bad(TrainerSettings.SECTION + ".devices", s.devices(),
                    "the local pretrain job trains on one device; multi-device training is the Spark stage's");
        }
        int threads = c.getInt(TrainerSettings.SECTION + ".threads");
        ai.djl.engine.Engine.getInstance(); // loads libtorch before any native call
        if (threads > 0) JniUtils.setNumThreads(threads);
        List<ImageRecord> images = readImages(c, c.getString(TrainerSettings.SECTION + ".images"));
        ctx.out().printf("pretrain: %d images from %s, method %s%n", images.size(), c.getString(TrainerSettings.SECTION + ".images"),
                PretrainChecks.method(c));
        try (NDManager base = NDManager.newBaseManager();
             TrainingTask<MultiCropBatch> task = TrainingTasks.create(c, base, s.seed())) {
            AugmentBatchSource data = new AugmentBatchSource(images, c, s.seed(), s.totalBatch());
            try (Trainer<MultiCropBatch> t = new Trainer<>(s, optim(c), task, data, VitsslConfig.renderResolved(c),
                    new org.apache.hadoop.conf.Configuration(), base, ctx.out())) {
                Trainer.Result r = t.run(-1);
                ctx.out().printf("pretrain: done, %d steps, last loss %.4f, last checkpoint %s%n", r.steps(), r.lastLoss(), r.lastCheckpoint());
            }
        }
        return 0;
    }

    /** The images table's rows (image_id, label, bytes) on the driver. */
    static List<ImageRecord> readImages(Config c, String path) {
        SparkSession spark = SparkSessions.getOrCreate(c, "pretrain");
        List<ImageRecord> out = new ArrayList<>();
        for (Row r : spark.read().parquet(path).select("image_id", "label", "bytes").collectAsList()) {
            out.add(new ImageRecord(r.getString(0), r.isNullAt(1) ? -1 : r.getInt(1), (byte[]) r.get(2)));
        }
        return out;
    }
}
