package org.vitssl.tests.stage;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.pretrain.train.CheckpointStore;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code spark-submit vitssl-app.jar pretrain} with {@code vitssl.pretrain.cluster.enabled}: Spark's own submit
 * entry point with only Spark's jars (from Maven, as in SparkSubmitIngestTest) plus the application jar, master
 * local-cluster[2,1,1024]: the barrier stage's two tasks run in two executor JVMs whose classpath is Spark's jars
 * and the app jar, so the jar carries everything the stage needs (DJL, libtorch, the ring).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SparkSubmitStageTest {
    @TempDir static Path dir;
    static Path root, appJar, sparkHome;
    static String opens;

    @BeforeAll
    static void setUp() throws Exception {
        SparkSession.getActiveSession().foreach(s -> { s.stop(); return null; });
        SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        root = Path.of(System.getProperty("vitssl.repo.root"));
        appJar = root.resolve("jobs/target/vitssl-app.jar");
        assertTrue(Files.isRegularFile(appJar), appJar + " is missing: build with mvn -pl tests -am package");
        opens = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-XX:+IgnoreUnrecognized")
                        || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
                .collect(Collectors.joining(" "));
        sparkHome = sparkHome();
        SparkSession s = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            StageTestSupport.writeImages(s, dir.resolve("images").toString(), 32, 5);
        } finally {
            s.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    /** A SPARK_HOME whose jars/ links Spark's jars from the local Maven repository (tests/spark-dist/pom.xml). */
    static Path sparkHome() throws Exception {
        Path target = root.resolve("tests/target");
        Path cpFile = target.resolve("spark-classpath.txt");
        if (!Files.isRegularFile(cpFile)) {
            Path pom = root.resolve("tests/spark-dist/pom.xml");
            Process p = new ProcessBuilder("mvn", "-B", "-q", "-o", "-f", pom.toString(), "validate").redirectErrorStream(true)
                    .redirectOutput(target.resolve("spark-dist-stage.log").toFile()).start();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "resolving Spark's jars timed out");
            assertEquals(0, p.exitValue(), Files.readString(target.resolve("spark-dist-stage.log")));
        }
        Path home = dir.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String jar : Files.readString(cpFile).trim().split(File.pathSeparator)) {
            Path j = Path.of(jar);
            Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
        }
        return home;
    }

    @Test
    void pretrainJobRunsAsABarrierStageOnTwoExecutorsFromTheAppJar() throws Exception {
        String run = dir.resolve("run").toString();
        Path conf = dir.resolve("stage.conf");
        Files.writeString(conf, String.join("\n",
                "vitssl.augment { global.size = 16, local { count = 2, size = 8 } }",
                "vitssl.model { arch = custom, embed-dim = 16, depth = 1, num-heads = 2, patch-size = 4, img-size = 16,",
                "  dino-head { out-dim = 32, hidden-dim = 32, bottleneck-dim = 16 } }",
                "vitssl.pretrain { method = dino, images = \"" + dir.resolve("images") + "\", run-dir = \"" + run + "\", epochs = 1,",
                "  batch-size = 8, devices = 2, optimizer.warmup-epochs = 0, progress.every-steps = 2,",
                "  cluster { enabled = true, allreduce.bind-host = \"127.0.0.1\" } }"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(opens.split(" ")));
        cmd.addAll(List.of("-Xmx768m", "-Dai.djl.offline=true", "-cp", sparkHome.resolve("jars") + File.separator + "*",
                "org.apache.spark.deploy.SparkSubmit", "--master", "local-cluster[2,1,1024]", "--deploy-mode", "client",
                "--class", "org.vitssl.jobs.Main", "--name", "vitssl-stage-submit",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.executor.extraJavaOptions=" + opens + " -Dai.djl.offline=true",
                "--conf", "spark.executorEnv.OPT_OUT_TRACKING=true", "--conf", "spark.executorEnv.MALLOC_ARENA_MAX=2",
                appJar.toString(), "pretrain", "-c", conf.toString()));
        Path log = dir.resolve("submit.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().remove("SPARK_CONF_DIR");
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(240, TimeUnit.SECONDS), "spark-submit timed out:\n" + tail(Files.readString(log)));
        } finally {
            List<ProcessHandle> children = p.descendants().collect(Collectors.toList());
            p.destroyForcibly();
            for (ProcessHandle c : children) c.destroyForcibly();
        }
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), tail(text));
        assertTrue(text.contains("2 tasks x 4 = global batch 8"), tail(text));
        assertTrue(text.contains("pretrain: done, 4 steps on 2 tasks"), tail(text));
        CheckpointStore store = new CheckpointStore(run, 3, new org.apache.hadoop.conf.Configuration());
        assertEquals(4, store.latest().orElseThrow().step());
    }

    static String tail(String s) {
        return s.length() <= 8000 ? s : s.substring(s.length() - 8000);
    }
}
