package org.vitssl.tests.stage;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.pretrain.spark.ClusterTraining;
import org.vitssl.pretrain.spark.Position;
import org.vitssl.pretrain.spark.StageSettings;
import org.vitssl.pretrain.spark.TaskReport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier stage in a real multi-process Spark: local-cluster[2,1,1024] (a standalone master and two workers
 * in this JVM, each worker launching its executor as a separate JVM from this test's classpath). Two tasks on two
 * executors against one task with the double batch; then the executor of rank 1 is halted mid-epoch and the
 * retried stage resumes from the last checkpoint and ends where the uninterrupted run ended.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MultiProcessStageTest {
    static SparkSession spark;
    @TempDir static Path dir;
    static String images;

    @BeforeAll
    static void start() throws Exception {
        // Worker.sparkHome is spark.test.home under spark.testing; the launcher wants <home>/jars and a scala-2.13
        // build directory there. The executors get this JVM's classpath and module options instead of Spark's jars.
        Path home = dir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        String opens = String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized") || a.startsWith("-Djdk.reflect")
                        || a.startsWith("-Dio.netty")).toList());
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("stage-multiprocess")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", opens + " -Dai.djl.offline=true")
                .config("spark.executorEnv.OPT_OUT_TRACKING", "true")
                .config("spark.executorEnv.MALLOC_ARENA_MAX", "2")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        images = dir.resolve("images").toString();
        StageTestSupport.writeImages(spark, images, 32, 5);
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        System.clearProperty("spark.testing");
        System.clearProperty("spark.test.home");
    }

    static ClusterTraining.Result run(StageSettings s, org.vitssl.pretrain.spark.StepRunnerFactory f) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ClusterTraining.Result r;
        try (PrintStream log = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            r = ClusterTraining.run(spark, s, f, log);
        } finally {
            System.out.println(b.toString(StandardCharsets.UTF_8));
        }
        return r;
    }

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])),
                    what + ": step " + (i + 1) + "\n" + Arrays.toString(want) + "\n" + Arrays.toString(got));
        }
    }

    @Test
    void twoExecutorsMatchOneTaskAndAKilledExecutorResumesFromTheCheckpoint() throws Exception {
        // 32 images, global batch 8: 4 steps per epoch, 6 steps; checkpoints every 2 steps and at epoch ends.
        ClusterTraining.Result two = run(StageTestSupport.settings(images, dir.resolve("two").toString(), 2, 4, 6, 2),
                StageTestSupport.factory());
        assertEquals(new Position(6, 1, 2), two.end());
        List<String> processes = two.reports().stream().filter(r -> r.start().epoch() == 0).map(TaskReport::process).toList();
        System.out.println("epoch 0 tasks ran in: " + processes);
        assertEquals(2, processes.stream().distinct().count(), "two executor processes: " + processes);
        for (String p : processes) {
            assertTrue(!p.contains(" pid " + ProcessHandle.current().pid() + " "), "a task ran in the test JVM: " + p);
        }
        ClusterTraining.Result one = run(StageTestSupport.settings(images, dir.resolve("one").toString(), 1, 8, 6, 2),
                StageTestSupport.factory());
        assertClose(one.lossCurve(), two.lossCurve(), "2 executors x 4 vs 1 task x 8");

        String marker = dir.resolve("killed.txt").toString();
        ClusterTraining.Result killed = run(StageTestSupport.settings(images, dir.resolve("killed").toString(), 2, 4, 6, 2),
                new KillingFactory(StageTestSupport.factory(), 1, 3, marker));
        assertTrue(Files.exists(Path.of(marker)), "the executor of rank 1 must have been halted");
        System.out.println(Files.readString(Path.of(marker)));
        assertEquals(new Position(6, 1, 2), killed.end());
        TaskReport retried = killed.reports().stream().filter(r -> r.rank() == 0 && r.stageAttempt() > 0).findFirst()
                .orElseThrow(() -> new AssertionError("no retried stage attempt in " + killed.reports()));
        assertTrue(retried.resumedFrom().endsWith("step-2"), "resumed from " + retried.resumedFrom());
        assertEquals(new Position(2, 0, 2), retried.start());
        // The retried attempt trains steps 3 and 4 again from the step-2 checkpoint: the same losses as the
        // uninterrupted run, and so is the whole second epoch.
        float[] full = two.lossCurve();
        float[] after = killed.reports().stream().filter(r -> r.rank() == 0 && (r.stageAttempt() > 0 || r.start().epoch() == 1))
                .map(TaskReport::globalLosses).reduce(new float[0], MultiProcessStageTest::concat);
        assertClose(Arrays.copyOfRange(full, 2, 6), after, "steps 3..6 after the kill");
    }

    @Test
    void thePretrainJobTrainsTheLoopsIbotAcrossTwoExecutors() throws Exception {
        String run = dir.resolve("job-ibot").toString();
        Path conf = dir.resolve("job-ibot.conf");
        Files.writeString(conf, String.join("\n",
                "vitssl.spark.master = \"local-cluster[2,1,1024]\"",
                "vitssl.augment { global.size = 16, local { count = 2, size = 8 } }",
                "vitssl.model { arch = custom, embed-dim = 16, depth = 1, num-heads = 2, patch-size = 4, img-size = 16,",
                "  mask-token = true, ibot-head { out-dim = 32, patch-out-dim = 32, hidden-dim = 32, bottleneck-dim = 16 } }",
                "vitssl.loss.ibot.warmup-teacher-temp-epochs = 0",
                "vitssl.pretrain { method = ibot, images = \"" + images + "\", run-dir = \"" + run + "\", epochs = 1,",
                "  batch-size = 8, devices = 2, optimizer.warmup-epochs = 0, progress.every-steps = 1,",
                "  cluster { enabled = true, allreduce.bind-host = \"127.0.0.1\" } }"));
        String[] args = {"pretrain", "-c", conf.toString()};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = org.vitssl.jobs.Main.run(args, po, po);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertEquals(0, rc, text);
        assertTrue(text.contains("2 tasks x 4 = global batch 8, 4 steps per epoch"), text);
        org.vitssl.pretrain.train.CheckpointStore store = new org.vitssl.pretrain.train.CheckpointStore(run, 3,
                new org.apache.hadoop.conf.Configuration());
        org.vitssl.pretrain.train.CheckpointStore.Entry last = store.latest().orElseThrow();
        assertEquals(4, last.step(), "the loop's CheckpointStore reads the stage's epoch-end checkpoint " + last.dir());
    }

    static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
