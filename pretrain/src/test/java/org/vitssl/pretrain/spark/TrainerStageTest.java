package org.vitssl.pretrain.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDManager;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.job.JobContext;
import org.vitssl.pretrain.train.CheckpointStore;
import org.vitssl.pretrain.train.PretrainJob;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop's method and optimiser in the barrier stage (local[2]), through the pretrain job. */
@org.junit.jupiter.api.Timeout(value = 240, unit = java.util.concurrent.TimeUnit.SECONDS)
class TrainerStageTest {
    static SparkSession spark;
    @TempDir static Path dir;
    static String images;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        images = dir.resolve("images").toString();
        StageFixtures.writeImages(spark, images, 32, 5);
    }

    @AfterAll
    static void stop() { spark.stop(); }

    static Config conf(int tasks, int batch, String run, String method) {
        return ConfigFactory.parseString(String.join("\n",
                "vitssl.spark.master = \"local[2]\"", "vitssl.augment { global.size = 16, local { count = 2, size = 8 } }",
                "vitssl.model { arch = custom, embed-dim = 16, depth = 1, num-heads = 2, patch-size = 4, img-size = 16, drop-path-rate = 0.0",
                "  dino-head { out-dim = 32, hidden-dim = 32, bottleneck-dim = 16 }",
                "  ibot-head { out-dim = 32, patch-out-dim = 32, hidden-dim = 32, bottleneck-dim = 16 }",
                "  dino-twins { out-dim = 32, hidden-dim = 32, bottleneck-dim = 16, projector-dim = 16 } }",
                "vitssl.loss.dino-twins.warmup-teacher-temp-epochs = 1",
                "vitssl.pretrain { method = " + method + ", images = \"" + images + "\", run-dir = \"" + run + "\", epochs = 2, batch-size = " + (batch * tasks),
                "  optimizer { warmup-epochs = 1 }, progress.every-steps = 1",
                "  devices = " + tasks + ", cluster { enabled = true, allreduce.bind-host = \"127.0.0.1\" } }"))
                .withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void theLoopsDinoOnTwoTasksThroughThePretrainJobMatchesOneTaskWithTheWholeBatch() throws Exception {
        String one = dir.resolve("a").toString(), two = dir.resolve("b").toString();
        float[] a = ClusterPretrain.run(conf(1, 8, one, "dino"), System.out).lossCurve();
        assertEquals(8, a.length);
        assertTrue(a[0] != a[7], Arrays.toString(a));
        // the same run with 2 tasks x 4 through `vitssl pretrain` (vitssl.pretrain.cluster.enabled = true)
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = new PretrainJob().run(new JobContext(conf(2, 4, two, "dino"), List.of(), new PrintStream(log, true)));
        System.out.println(log);
        assertEquals(0, rc);
        assertTrue(log.toString().contains("on 2 tasks"), log.toString());
        // Both runs end with a checkpoint in the loop's layout (CheckpointStore reads it) and the same weights.
        Configuration h = new Configuration();
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore sa = new CheckpointStore(one, 3, h), sb = new CheckpointStore(two, 3, h);
            CheckpointStore.Contents ca = sa.read(sa.latest().orElseThrow(), m), cb = sb.read(sb.latest().orElseThrow(), m);
            assertEquals(8, ca.state().step());
            assertEquals(8, cb.state().step());
            assertEquals(ca.student().keySet(), cb.student().keySet());
            for (String k : ca.student().keySet()) {
                float[] x = ca.student().get(k).toFloatArray(), y = cb.student().get(k).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertTrue(Math.abs(x[i] - y[i]) <= 1e-4 * Math.max(1, Math.abs(x[i])), k + "[" + i + "]: " + x[i] + " vs " + y[i]);
                }
            }
            assertTrue(ca.optimizer().size() > 0, "optimizer state in the checkpoint");
            assertArrayEquals(ca.state().centres().get("dino.center"), cb.state().centres().get("dino.center"), 1e-5f);
        }
    }

    @Test
    void dinoTwinsTrainsOnTwoTasksAndBarlowTwinsIsRefused() throws Exception {
        String run = dir.resolve("twins").toString();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = new PretrainJob().run(new JobContext(conf(2, 4, run, "dino-twins"), List.of(), new PrintStream(log, true)));
        assertEquals(0, rc, log.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore st = new CheckpointStore(run, 3, new Configuration());
            CheckpointStore.Contents c = st.read(st.latest().orElseThrow(), m);
            assertEquals(8, c.state().step());
            assertTrue(c.student().containsKey("projector.0.weight"), c.student().keySet().toString());
            assertTrue(c.teacher().keySet().stream().noneMatch(k -> k.startsWith("projector.")), c.teacher().keySet().toString());
            float[] centre = c.state().centres().get("dino-twins.center");
            assertEquals(32, centre.length);
            for (float v : centre) assertTrue(Float.isFinite(v) && v != 0f, Arrays.toString(centre));
        }
        com.typesafe.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> new PretrainJob().validate(conf(2, 4, dir.resolve("bt").toString(), "barlow-twins")));
        assertTrue(e.getMessage().contains("vitssl.pretrain.devices"), e.getMessage());
    }
}
