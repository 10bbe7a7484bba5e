package org.vitssl.pretrain.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vitssl.augment.ImageRecord;
import org.vitssl.augment.MultiCropBatch;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The body of one barrier task for one epoch: joins the ring (addresses through the barrier context's
 * allGather), takes the GPU Spark assigned it (CPU without one), restores the newest checkpoint (or copies
 * rank 0's fresh init to all tasks), then for each of its slices: forward/backward on the slice, gradient
 * average across tasks, update. Rank 0 writes checkpoints (every N steps and at the epoch end). Its input is
 * the task's images of the epoch in epoch order; a retried stage skips the slices already trained.
 */
final class BarrierTask extends AbstractFunction1<Iterator<Tuple2<Long, Slice.Image>>, Iterator<TaskReport>>
        implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(BarrierTask.class);

    private final StageSettings s;
    private final StepRunnerFactory factory;
    private final SerializableConfiguration hadoop;
    private final int epoch;
    private final int batchesPerEpoch;
    private final long limit;

    BarrierTask(StageSettings s, StepRunnerFactory factory, Configuration hadoop, int epoch, int batchesPerEpoch, long limit) {
        this.s = s;
        this.factory = factory;
        this.hadoop = new SerializableConfiguration(hadoop);
        this.epoch = epoch;
        this.batchesPerEpoch = batchesPerEpoch;
        this.limit = limit;
    }

    @Override
    public Iterator<TaskReport> apply(Iterator<Tuple2<Long, Slice.Image>> rows) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        int world = ctx.getTaskInfos().length;
        if (world != s.tasks()) {
            throw new IllegalStateException("barrier stage has " + world + " tasks, " + StageSettings.SECTION + ".tasks is " + s.tasks());
        }
        Device device = device(ctx.resourcesJMap(), rank);
        RingAllReduce.Listener listener = RingAllReduce.listen(s.allReduce());
        String[] addresses = ctx.allGather(listener.address());
        long session = ctx.stageId() * 1_000_003L + ctx.stageAttemptNumber();
        try (ThreadAutograd noGrad = new ThreadAutograd(false);
             RingAllReduce ring = listener.connect(rank, Arrays.asList(addresses), session);
             NDManager base = NDManager.newBaseManager(device);
             StepRunner runner = factory.create(device, base, ring.centerSync())) {
            TaskReport r = train(ctx, rank, ring, device, base, runner, rows);
            return CollectionConverters.asScala(List.of(r).iterator());
        }
    }

    static String process() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "?";
        }
        return "executor " + (env == null ? "?" : env.executorId()) + " pid " + ProcessHandle.current().pid() + " on " + host;
    }

    static Device device(Map<String, ResourceInformation> resources, int rank) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) return Device.cpu();
        String a = gpu.addresses()[0];
        try {
            Device d = Device.gpu(Integer.parseInt(a.trim()));
            if (gpu.addresses().length > 1) {
                LOG.warn("rank {}: assigned GPUs {}; training uses the first, {}", rank, Arrays.toString(gpu.addresses()), d);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("rank " + rank + ": GPU address '" + a + "' from Spark's resources is not a "
                    + "device index; the discovery script must print indices (nvidia-smi --query-gpu=index)", e);
        }
    }

    private TaskReport train(BarrierTaskContext ctx, int rank, RingAllReduce ring, Device device, NDManager base,
                             StepRunner runner, Iterator<Tuple2<Long, Slice.Image>> rows) {
        Configuration conf = hadoop.value();
        StageCheckpoints ck = new StageCheckpoints(s.runDir(), s.keep(), conf);
        ReplicaSync sync = new ReplicaSync(ring);
        Optional<StageCheckpoints.Entry> latest = ck.latest();
        Position pos = Position.START;
        String resumed = "";
        if (latest.isPresent()) {
            runner.load(latest.get().dir(), conf);
            pos = latest.get().position();
            resumed = latest.get().dir();
        } else {
            sync.broadcastFromRank0(runner.replicaParameters());
        }
        String[] seen = ctx.allGather(pos.toString());
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i].equals(pos.toString())) {
                throw new IllegalStateException("rank " + rank + " starts at " + pos + " but rank " + i + " at " + seen[i]
                        + ": the tasks do not see the same newest checkpoint under " + ck.root());
            }
        }
        Position start = pos;
        if (pos.epoch() > epoch || pos.step() >= limit) {
            return new TaskReport(rank, ctx.stageAttemptNumber(), device.toString(), process(), start, pos, resumed, new float[0], 0, 0, 0, "");
        }
        if (pos.epoch() < epoch) {
            throw new IllegalStateException("the newest checkpoint under " + ck.root() + " is at " + pos
                    + ", before the epoch " + epoch + " this stage trains");
        }
        if (!resumed.isEmpty()) LOG.info("rank {}: resumed from {} at {}", rank, resumed, pos);
        java.util.Iterator<ImageRecord> input = new java.util.Iterator<>() {
            @Override public boolean hasNext() { return rows.hasNext(); }

            @Override public ImageRecord next() {
                Slice.Image im = rows.next()._2();
                return new ImageRecord(im.imageId(), im.label(), im.bytes());
            }
        };
        SliceFeeder.skip(input, (long) pos.batchInEpoch() * s.batchPerTask());
        int todo = (int) Math.min(batchesPerEpoch - pos.batchInEpoch(), limit - pos.step());
        float[] losses = new float[todo];
        long computeNs = 0, reduceNs = 0, windowWait = 0, windowCompute = 0, windowReduce = 0;
        String lastCheckpoint = "";
        try (SliceFeeder feeder = new SliceFeeder(input, todo, s.augment(), s.seed(), epoch, s.batchPerTask(),
                s.loaderWorkers(), s.queueDepth())) {
            for (int i = 0; i < todo; i++) {
                long w0 = feeder.waitNanos();
                MultiCropBatch batch = feeder.next();
                if (batch == null) {
                    throw new IllegalStateException("rank " + rank + ": no image of its slice of batch " + pos.batchInEpoch()
                            + " in epoch " + epoch + " could be decoded");
                }
                long t0 = System.nanoTime();
                float loss;
                try (NDManager sm = base.newSubManager()) {
                    loss = runner.forwardBackward(sm, batch, pos);
                }
                if (!Float.isFinite(loss)) {
                    ring.abort("rank " + rank + ": loss is " + loss + " at step " + pos.step());
                    throw new IllegalStateException("rank " + rank + ": loss is " + loss + " at step " + pos.step()
                            + " (epoch " + epoch + "); stopping before the update");
                }
                long t1 = System.nanoTime();
                sync.averageGradients(runner.gradientParameters());
                long t2 = System.nanoTime();
                runner.update(pos, limit);
                losses[i] = sync.mean(loss);
                long t3 = System.nanoTime();
                computeNs += (t1 - t0) + (t3 - t2);
                reduceNs += t2 - t1;
                windowWait += feeder.waitNanos() - w0;
                windowCompute += (t1 - t0) + (t3 - t2);
                windowReduce += t2 - t1;
                pos = pos.next(batchesPerEpoch);
                boolean epochEnd = pos.batchInEpoch() == 0;
                boolean due = s.checkpointEverySteps() > 0 && pos.step() % s.checkpointEverySteps() == 0;
                if (rank == 0 && (due || epochEnd || pos.step() == limit)) {
                    lastCheckpoint = ck.write(runner, pos, s.configText());
                }
                if (rank == 0 && (pos.step() % s.progressEverySteps() == 0 || i == todo - 1)) {
                    long steps = Math.max(1, pos.step() % s.progressEverySteps() == 0 ? s.progressEverySteps() : (i + 1) % s.progressEverySteps());
                    double wait = windowWait / 1e6 / steps, comp = windowCompute / 1e6 / steps, red = windowReduce / 1e6 / steps;
                    LOG.info(String.format("epoch %d step %d/%d loss %.4f | %d tasks x %d images on %s | data wait %.0f ms, "
                                    + "compute %.0f ms, all-reduce %.0f ms per step (data wait %.0f%%)",
                            epoch, pos.step(), limit, losses[i], ring.world(), s.batchPerTask(), device, wait, comp, red,
                            100 * wait / Math.max(1e-9, wait + comp + red)));
                    windowWait = windowCompute = windowReduce = 0;
                }
            }
            if (feeder.skippedImages() > 0) LOG.warn("rank {}: {} images could not be decoded in epoch {}", rank, feeder.skippedImages(), epoch);
            return new TaskReport(rank, ctx.stageAttemptNumber(), device.toString(), process(), start, pos, resumed, losses,
                    feeder.waitNanos() / 1e6, computeNs / 1e6, reduceNs / 1e6, lastCheckpoint);
        }
    }
}
