package org.vitssl.tests.ingest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/** Ingest from and to s3a:// paths on an in-process S3 server (s3proxy), configured through vitssl.spark.conf. */
class IngestS3aTest {
    static BlobStoreContext store;
    static S3Proxy proxy;

    @TempDir static java.nio.file.Path dir;
    static final String BUCKET = "datasets";
    static Map<String, String> s3a;
    static java.nio.file.Path conf;

    @BeforeAll
    static void setUp() throws Exception {
        stopSpark(); // the S3A settings must reach a new SparkContext's Hadoop configuration
        // s3proxy over jclouds' in-memory blob store, speaking the S3 protocol on a free local port.
        store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        store.getBlobStore().createContainerInLocation(null, BUCKET);
        proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "vitssl-access", "vitssl-secret").build();
        proxy.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals("STARTED", proxy.getState());
        s3a = new LinkedHashMap<>();
        s3a.put("fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
        s3a.put("fs.s3a.path.style.access", "true");
        s3a.put("fs.s3a.connection.ssl.enabled", "false");
        s3a.put("fs.s3a.endpoint.region", "us-east-1");
        s3a.put("fs.s3a.access.key", "vitssl-access");
        s3a.put("fs.s3a.secret.key", "vitssl-secret");
        s3a.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        StringBuilder c = new StringBuilder("vitssl.spark.conf {\n");
        s3a.forEach((k, v) -> c.append("  \"spark.hadoop.").append(k).append("\" = \"").append(v).append("\"\n"));
        c.append("}\n");
        conf = dir.resolve("s3a.conf");
        Files.writeString(conf, c.toString());

        // Upload a small ImageFolder tree (one bad file) through S3A itself.
        java.nio.file.Path local = dir.resolve("tree");
        for (String cls : List.of("b", "a")) {
            for (int i = 0; i < 3; i++) write(local.resolve(cls + "/" + cls + i + ".jpg"), jpeg(32, 24, cls.equals("a") ? Color.RED : Color.BLUE));
        }
        write(local.resolve("a/broken.jpg"), new byte[0]);
        // (Streams, as Spark writes; S3A's file upload path trips s3proxy's payload-hash check.)
        try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), hadoopConf());
             java.util.stream.Stream<java.nio.file.Path> files = Files.walk(local)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
                try (org.apache.hadoop.fs.FSDataOutputStream o = fs.create(new Path("s3a://" + BUCKET + "/raw/train/" + local.relativize(f)))) {
                    o.write(Files.readAllBytes(f));
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        stopSpark();
        if (proxy != null) proxy.stop();
        if (store != null) store.close();
    }

    static Configuration hadoopConf() {
        Configuration h = new Configuration();
        s3a.forEach(h::set);
        return h;
    }

    static String read(FileSystem fs, String path) throws Exception {
        try (InputStream in = fs.open(new Path(path))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void ingestsFromAndToS3a() throws Exception {
        String out = "s3a://" + BUCKET + "/tables/tiny";
        Run r = ingest("-c", q(conf), "--train.path", "s3a://" + BUCKET + "/raw/train", "--output", out, "--max-error-fraction", "0.2");
        assertEquals(0, r.rc(), r.all());
        assertTrue(r.out().contains("ingest train: seen 7 = written 6 + quarantined 1 (zero-bytes 1)"), r.out());

        List<Row> rows = spark().read().parquet(out + "/train").collectAsList();
        assertEquals(6, rows.size());
        for (Row row : rows) {
            int[] px = rgbAt(decode((byte[]) row.get(6)), 16, 12);
            assertTrue(near(px, row.getString(2).equals("a") ? Color.RED : Color.BLUE, 12), row.getString(0) + Arrays.toString(px));
            assertEquals(row.getString(2).equals("a") ? 0 : 1, row.getInt(1));
        }
        assertEquals("zero-bytes", spark().read().parquet(out + "/_errors/train").collectAsList().get(0).getString(2));

        try (FileSystem fs = FileSystem.newInstance(URI.create(out), hadoopConf())) {
            Config m = ConfigFactory.parseString(read(fs, out + "/_manifest.json"));
            assertEquals(7, m.getInt("splits.train.seen"));
            assertEquals(out, m.getString("output"));
            // Refused without overwrite, replaced with it; no temporaries remain in the bucket.
            Run again = ingest("-c", q(conf), "--train.path", "s3a://" + BUCKET + "/raw/train", "--output", out);
            assertEquals(1, again.rc(), again.all());
            Run over = ingest("-c", q(conf), "--train.path", "s3a://" + BUCKET + "/raw/train", "--output", out,
                    "--max-error-fraction", "0.2", "--overwrite", "--subset.mode", "first-n", "--subset.per-class", "1");
            assertEquals(0, over.rc(), over.all());
            assertEquals(2, spark().read().parquet(out + "/train").count());
            List<String> names = Arrays.stream(fs.listStatus(new Path("s3a://" + BUCKET + "/tables")))
                    .map(s -> s.getPath().getName()).collect(Collectors.toList());
            assertEquals(List.of("tiny"), names);
        }
    }
}
