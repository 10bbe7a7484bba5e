package org.vitssl.tests.stage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.jobs.Main;
import org.vitssl.pretrain.spark.ClusterTraining;
import org.vitssl.pretrain.spark.Position;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end on S3: JPEG files in a bucket of an in-process S3 server (s3proxy) -> the ingest job (s3a:// in and
 * out) -> the barrier stage (2 tasks, local[2]) reading the table from s3a:// and writing its checkpoints to
 * s3a://; a run stopped at the epoch end resumes from the S3 checkpoint and continues the uninterrupted curve.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class S3aStageTest {
    static final String BUCKET = "vitssl";
    static BlobStoreContext store;
    static S3Proxy proxy;
    static Map<String, String> s3a = new LinkedHashMap<>();
    @TempDir static java.nio.file.Path dir;

    static void stopSpark() {
        SparkSession.getActiveSession().foreach(s -> { s.stop(); return null; });
        SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    @BeforeAll
    static void setUp() throws Exception {
        stopSpark();
        store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        store.getBlobStore().createContainerInLocation(null, BUCKET);
        proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "stage-access", "stage-secret").build();
        proxy.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals("STARTED", proxy.getState());
        s3a.put("fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
        s3a.put("fs.s3a.path.style.access", "true");
        s3a.put("fs.s3a.connection.ssl.enabled", "false");
        s3a.put("fs.s3a.endpoint.region", "us-east-1");
        s3a.put("fs.s3a.access.key", "stage-access");
        s3a.put("fs.s3a.secret.key", "stage-secret");
        s3a.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        // 16 JPEGs in two class folders, uploaded through S3A streams.
        SplittableRandom r = new SplittableRandom(3);
        try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), hadoop())) {
            for (int i = 0; i < 16; i++) {
                BufferedImage img = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 24; y++) for (int x = 0; x < 24; x++) img.setRGB(x, y, r.nextInt(1 << 24));
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                ImageIO.write(img, "jpg", b);
                String cls = i % 2 == 0 ? "cat" : "dog";
                try (org.apache.hadoop.fs.FSDataOutputStream o = fs.create(new Path("s3a://" + BUCKET + "/raw/" + cls + "/" + cls + i + ".jpg"))) {
                    o.write(b.toByteArray());
                }
            }
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        stopSpark();
        if (proxy != null) proxy.stop();
        if (store != null) store.close();
    }

    static Configuration hadoop() {
        Configuration h = new Configuration();
        s3a.forEach(h::set);
        return h;
    }

    static ClusterTraining.Result train(String runDir, long steps) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            return ClusterTraining.run(SparkSession.active(),
                    StageTestSupport.settings("s3a://" + BUCKET + "/tables/tiny/train", runDir, 2, 4, steps, 0),
                    StageTestSupport.factory(), log);
        } finally {
            System.out.println(b.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void ingestFromS3TrainWithCheckpointsOnS3AndResume() throws Exception {
        List<String> args = new ArrayList<>(List.of("ingest", "vitssl.spark.master=local[2]",
                "--train.path", "s3a://" + BUCKET + "/raw", "--output", "s3a://" + BUCKET + "/tables/tiny"));
        s3a.forEach((k, v) -> args.add("vitssl.spark.conf.\"spark.hadoop." + k + "\"=\"" + v + "\""));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = Main.run(args.toArray(new String[0]), po, po);
        }
        assertEquals(0, rc, out.toString(StandardCharsets.UTF_8));

        // 16 images, global batch 8: 2 steps per epoch. Straight to step 3, and to step 2 then on to 3.
        String straight = "s3a://" + BUCKET + "/runs/straight", resumed = "s3a://" + BUCKET + "/runs/resumed";
        ClusterTraining.Result a = train(straight, 3);
        assertEquals(new Position(3, 1, 1), a.end());
        ClusterTraining.Result b1 = train(resumed, 2);
        ClusterTraining.Result b2 = train(resumed, 3);
        assertTrue(b2.reports().get(0).resumedFrom().equals("s3a://" + BUCKET + "/runs/resumed/checkpoints/step-2"),
                b2.reports().get(0).resumedFrom());
        float[] joined = Arrays.copyOf(b1.lossCurve(), 3);
        joined[2] = b2.lossCurve()[0];
        float[] want = a.lossCurve();
        for (int i = 0; i < 3; i++) {
            assertTrue(Math.abs(want[i] - joined[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])),
                    Arrays.toString(want) + " vs " + Arrays.toString(joined));
        }
        try (FileSystem fs = FileSystem.newInstance(URI.create(straight), hadoop())) {
            List<String> names = new ArrayList<>();
            for (FileStatus s : fs.listStatus(new Path(straight + "/checkpoints"))) names.add(s.getPath().getName());
            names.sort(null);
            assertEquals(List.of("step-2", "step-3"), names, "complete checkpoints only, no temporaries");
            List<String> files = new ArrayList<>();
            for (FileStatus s : fs.listStatus(new Path(straight + "/checkpoints/step-3"))) files.add(s.getPath().getName());
            files.sort(null);
            assertEquals(List.of("config.conf", "position.properties", "state.safetensors", "student.safetensors",
                    "teacher.safetensors"), files);
        }

        // The evaluation side reads S3 too: every checkpoint of the run, images and output on s3a://.
        String eval = "s3a://" + BUCKET + "/eval/straight";
        List<String> ev = new ArrayList<>(List.of("evaluate-checkpoints", "vitssl.spark.master=local[2]",
                "--checkpoints", straight, "--train-images", "s3a://" + BUCKET + "/tables/tiny/train",
                "--test-images", "s3a://" + BUCKET + "/tables/tiny/train", "--output", eval,
                "embed.num-heads=2", "augment.eval.resize=16", "augment.eval.crop=16", "knn.ks=[1,3]", "evaluate.plot-k=3",
                "probe.reg-params=[0.0]", "probe.max-iter=20", "probe.holdout-fraction=0.25"));
        s3a.forEach((k, v) -> ev.add("vitssl.spark.conf.\"spark.hadoop." + k + "\"=\"" + v + "\""));
        ByteArrayOutputStream eo = new ByteArrayOutputStream();
        try (PrintStream po = new PrintStream(eo, true, StandardCharsets.UTF_8)) {
            rc = Main.run(ev.toArray(new String[0]), po, po);
        }
        assertEquals(0, rc, eo.toString(StandardCharsets.UTF_8));
        List<Row> table = SparkSession.active().read().parquet(eval + "/table").collectAsList();
        assertEquals(2, table.stream().map(r -> r.getString(0)).distinct().count(), table.toString());
        assertTrue(table.stream().allMatch(r -> "ok".equals(r.getAs("status"))), table.toString());
        // knn top1/top5 at k = 1, 3 and the probe's two rows, for each of step-2 and step-3
        assertEquals(12, table.size(), table.toString());
    }
}
