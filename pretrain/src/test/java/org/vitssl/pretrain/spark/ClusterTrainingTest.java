package org.vitssl.pretrain.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier stage in local[2]: 2 tasks x batch 4 against 1 task x batch 8 (same global batches, gradients
 * averaged every step: the same loss curve), and a run stopped mid-epoch that resumes from its checkpoint.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterTrainingTest {
    static SparkSession spark;
    @TempDir static Path dir;
    static String images;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("stage-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        images = dir.resolve("images").toString();
        StageFixtures.writeImages(spark, images, 32, 5);
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static ClusterTraining.Result run(int tasks, int batch, long maxSteps, String runDir) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ClusterTraining.Result r;
        try (PrintStream log = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            r = ClusterTraining.run(spark, StageFixtures.settings(images, runDir, tasks, batch, maxSteps, 0), StageFixtures.factory(), log);
        }
        System.out.println(b.toString(StandardCharsets.UTF_8));
        return r;
    }

    static void assertCurvesClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": steps");
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])),
                    what + ": step " + (i + 1) + " loss " + got[i] + " vs " + want[i] + "\n" + Arrays.toString(want) + "\n" + Arrays.toString(got));
        }
    }

    @Test
    void twoTasksWithBatch4TrainLikeOneTaskWithBatch8AndResumeMidEpoch() {
        // 32 images, global batch 8: 4 steps per epoch; 6 steps cross an epoch boundary.
        ClusterTraining.Result one = run(1, 8, 6, dir.resolve("run-1x8").toString());
        ClusterTraining.Result two = run(2, 4, 6, dir.resolve("run-2x4").toString());
        float[] a = one.lossCurve(), b = two.lossCurve();
        assertEquals(6, a.length);
        assertEquals(new Position(6, 1, 2), two.end());
        assertTrue(Float.isFinite(a[0]) && a[0] > 0, "loss " + a[0]);
        assertTrue(a[0] != a[5], "the model must change: " + Arrays.toString(a));
        assertCurvesClose(a, b, "2 tasks x 4 vs 1 task x 8");

        // Stop after 3 steps (mid-epoch checkpoint), then run on: the resumed curve continues the same one.
        String resumed = dir.resolve("run-2x4-resumed").toString();
        ClusterTraining.Result first = run(2, 4, 3, resumed);
        assertEquals(new Position(3, 0, 3), first.end());
        ClusterTraining.Result rest = run(2, 4, 6, resumed);
        float[] joined = new float[6];
        System.arraycopy(first.lossCurve(), 0, joined, 0, 3);
        System.arraycopy(rest.lossCurve(), 0, joined, 3, 3);
        assertCurvesClose(b, joined, "stopped at step 3 and resumed");
        assertTrue(rest.reports().get(0).resumedFrom().endsWith("step-3"), rest.reports().get(0).resumedFrom());
    }
}
