package org.vitssl.pretrain.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.vitssl.augment.AugmentLoader;
import org.vitssl.augment.ImageRecord;
import scala.Tuple2;
import scala.reflect.ClassTag$;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * Data-parallel pretraining as Spark barrier stages, one per epoch (driver side).
 *
 * <p>Per epoch e the driver computes the global epoch order, the augment loader's order for (seed, e): images
 * sorted by image_id, then a seeded shuffle, drop-last in global batches of N x B. Position p goes to task
 * {@code (p mod NB) / B}, so task r's batch k is images {@code [kNB + rB, kNB + (r+1)B)} of the order: the N
 * slices of step k together are exactly the batch a single task with batch N x B would see. The images are
 * shuffled to their tasks sorted by position ({@code repartitionAndSortWithinPartitions}) and each task streams
 * them through the augment loader. The barrier stage asks for GPUs through a task ResourceProfile; gradients are
 * averaged by a ring all-reduce every step, so every replica stays identical.
 *
 * <p>State passes from one epoch's stage to the next (and to a retried stage after a lost executor) through the
 * newest complete checkpoint, which rank 0 writes at every epoch end and every {@code checkpointEverySteps}.
 */
public final class ClusterTraining {
    private ClusterTraining() {}

    /** How a run ended. */
    public record Result(Position end, int batchesPerEpoch, long totalSteps, List<TaskReport> reports) {
        /** The global-batch loss of every step run by this call, in step order (from rank 0's reports). */
        public float[] lossCurve() {
            List<Float> l = new ArrayList<>();
            for (TaskReport r : reports) if (r.rank() == 0) for (float x : r.globalLosses()) l.add(x);
            float[] out = new float[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = l.get(i);
            return out;
        }
    }

    public static Result run(SparkSession spark, StageSettings s, StepRunnerFactory factory, PrintStream log) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Dataset<Row> table;
        try {
            table = spark.read().parquet(s.images()).select("image_id", "label", "bytes");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read the images table " + s.images()
                    + " (vitssl.pretrain.images; an ingest output with image_id, label, bytes): " + e.getMessage(), e);
        }
        List<String> ids = new ArrayList<>(table.select("image_id").as(Encoders.STRING()).collectAsList());
        Collections.sort(ids);
        for (int i = 1; i < ids.size(); i++) {
            if (ids.get(i).equals(ids.get(i - 1))) {
                throw new IllegalArgumentException("image_id '" + ids.get(i) + "' occurs twice in " + s.images());
            }
        }
        int nb = s.globalBatch();
        int bpe = ids.size() / nb;
        if (bpe == 0) {
            throw new IllegalArgumentException(s.images() + " holds " + ids.size() + " images, fewer than one global batch of "
                    + s.tasks() + " tasks x " + s.batchPerTask() + " = " + nb);
        }
        long total = (long) s.epochs() * bpe;
        long limit = s.maxSteps() < 0 ? total : Math.min(total, s.maxSteps());
        StageCheckpoints ck = new StageCheckpoints(s.runDir(), s.keep(), hadoop);
        Position pos = ck.latest().map(StageCheckpoints.Entry::position).orElse(Position.START);
        log.printf("cluster pretraining: %d images, %d tasks x %d = global batch %d, %d steps per epoch, %d epochs, "
                        + "steps %d..%d%s%n", ids.size(), s.tasks(), s.batchPerTask(), nb, bpe, s.epochs(), pos.step(), limit,
                pos.step() > 0 ? " (resuming from " + ck.latest().get().dir() + ")" : "");
        Optional<ResourceProfile> profile = profile(s);
        List<TaskReport> reports = new ArrayList<>();
        while (pos.step() < limit) {
            int epoch = pos.epoch();
            HashMap<String, Long> order = epochPositions(ids, s.seed(), epoch, bpe * nb);
            Broadcast<HashMap<String, Long>> bc = jsc.broadcast(order);
            JavaPairRDD<Long, Slice.Image> keyed = table.javaRDD().flatMapToPair(row -> {
                Long p = bc.value().get(row.getString(0));
                if (p == null) return Collections.emptyIterator();
                return List.of(new Tuple2<>(p, new Slice.Image(row.getString(0), row.getInt(1), (byte[]) row.get(2)))).iterator();
            });
            RDD<Tuple2<Long, Slice.Image>> shuffled = keyed.repartitionAndSortWithinPartitions(new Slice.ByRank(s.tasks(), s.batchPerTask())).rdd();
            RDD<TaskReport> stage = shuffled.barrier().mapPartitions(
                    new BarrierTask(s, factory, hadoop, epoch, bpe, limit), false, ClassTag$.MODULE$.apply(TaskReport.class));
            if (profile.isPresent()) stage = stage.withResources(profile.get());
            spark.sparkContext().setJobDescription("vitssl pretrain epoch " + epoch + " (barrier stage, " + s.tasks() + " tasks)");
            // Spark retries a failed barrier stage only when it is a shuffle map stage (a failed barrier result stage
            // aborts the job), so the reports go through a one-partition shuffle.
            List<TaskReport> got = stage.toJavaRDD().repartition(1).collect();
            bc.destroy();
            List<TaskReport> epochReports = new ArrayList<>(got);
            epochReports.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
            reports.addAll(epochReports);
            Position before = pos;
            pos = ck.latest().map(StageCheckpoints.Entry::position).orElse(pos);
            for (TaskReport r : epochReports) {
                if (!r.end().equals(pos)) {
                    throw new IllegalStateException("rank " + r.rank() + " ended at " + r.end() + " but the newest checkpoint is at " + pos);
                }
            }
            TaskReport r0 = epochReports.get(0);
            int steps = r0.globalLosses().length;
            log.printf("epoch %d: steps %d..%d on %s%s, last loss %s | per step: data wait %.0f ms, compute %.0f ms, "
                            + "all-reduce %.0f ms | checkpoint %s%n", epoch, before.step(), pos.step(), r0.device(),
                    r0.stageAttempt() > 0 ? " (stage attempt " + r0.stageAttempt() + ", resumed from " + r0.resumedFrom() + ")" : "",
                    steps == 0 ? "-" : String.format("%.4f", r0.globalLosses()[steps - 1]),
                    r0.dataWaitMs() / Math.max(1, steps), r0.computeMs() / Math.max(1, steps), r0.allReduceMs() / Math.max(1, steps),
                    ck.latest().map(StageCheckpoints.Entry::dir).orElse("-"));
            if (!(pos.step() > before.step())) throw new IllegalStateException("epoch " + epoch + " made no progress from " + before);
        }
        return new Result(pos, bpe, limit, reports);
    }

    /** Position of each image kept in epoch {@code epoch}'s order (the augment loader's order; drop-last). */
    static HashMap<String, Long> epochPositions(List<String> sortedIds, long seed, int epoch, int kept) {
        List<ImageRecord> recs = new ArrayList<>(sortedIds.size());
        for (String id : sortedIds) recs.add(new ImageRecord(id, 0, null));
        List<ImageRecord> order = AugmentLoader.epochOrder(recs, seed, epoch);
        HashMap<String, Long> pos = new HashMap<>(kept * 2);
        for (int i = 0; i < kept; i++) pos.put(order.get(i).imageId(), (long) i);
        return pos;
    }

    /** The stage's task ResourceProfile (GPUs, cores), or none when no GPU is asked for. */
    static Optional<ResourceProfile> profile(StageSettings s) {
        if (s.executorGpus() <= 0) return Optional.empty();
        TaskResourceRequests t = new TaskResourceRequests().resource("gpu", s.taskGpus());
        if (s.taskCpus() > 0) t = t.cpus(s.taskCpus());
        return Optional.of(new ResourceProfileBuilder().require(t).build());
    }
}
