package org.vitssl.tests.ingest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/**
 * The application jar (jobs/target/vitssl-app.jar) runs ingest through Spark's own submit entry point,
 * {@code org.apache.spark.deploy.SparkSubmit}, with only Spark's jars from Maven on the classpath (the
 * dependency closure of spark-core/sql/mllib, resolved from tests/spark-dist/pom.xml): once on
 * {@code local[2]}, once on a standalone master and worker started as separate JVMs from the same jars
 * on 127.0.0.1. Proves the jar is self-contained and that tasks run on a real executor.
 */
class SparkSubmitIngestTest {
    static final long STEP_TIMEOUT_S = 300;
    @TempDir static Path dir;
    static Path root, appJar, sparkHome, data;
    static String opens;

    @BeforeAll
    static void setUp() throws Exception {
        stopSpark();
        root = Path.of(System.getProperty("vitssl.repo.root"));
        appJar = root.resolve("jobs/target/vitssl-app.jar");
        assertTrue(Files.isRegularFile(appJar), appJar + " is missing: build with mvn -pl tests -am package");
        sparkHome = sparkHome();
        opens = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-XX:+IgnoreUnrecognized")
                        || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
                .collect(Collectors.joining(" "));
        data = dir.resolve("data");
        for (String c : List.of("zebra", "apple")) {
            for (int i = 0; i < 4; i++) write(data.resolve(c + "/" + i + ".jpg"), jpeg(40, 30, c.equals("apple") ? Color.RED : Color.GRAY));
        }
    }

    @AfterAll
    static void stop() { stopSpark(); }

    /** A SPARK_HOME whose jars/ holds links to Spark's jars from the local Maven repository. */
    static Path sparkHome() throws Exception {
        Path target = root.resolve("tests/target");
        Path cpFile = target.resolve("spark-classpath.txt");
        if (!Files.isRegularFile(cpFile)) {
            Path pom = root.resolve("tests/spark-dist/pom.xml");
            int rc = exec(List.of("mvn", "-B", "-q", "-o", "-f", pom.toString(), "validate"), target.resolve("spark-dist.log"));
            if (rc != 0) rc = exec(List.of("mvn", "-B", "-q", "-f", pom.toString(), "validate"), target.resolve("spark-dist.log"));
            assertEquals(0, rc, Files.readString(target.resolve("spark-dist.log")));
        }
        Path home = target.resolve("spark-home");
        Path jars = home.resolve("jars");
        if (Files.isDirectory(jars)) {
            try (Stream<Path> s = Files.list(jars)) {
                for (Path p : (Iterable<Path>) s::iterator) Files.delete(p);
            }
        }
        Files.createDirectories(jars);
        for (String jar : Files.readString(cpFile).trim().split(File.pathSeparator)) {
            Path j = Path.of(jar);
            assertTrue(!j.getFileName().toString().startsWith("vitssl"), "only Spark's jars: " + j);
            Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
        }
        return home;
    }

    static int exec(List<String> cmd, Path log) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " timed out; log " + log);
        }
        return p.exitValue();
    }

    /** JVM options for quick start-up of short-lived JVMs on a small machine. */
    static final List<String> QUICK = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss4m");

    static ProcessBuilder java(String mainClass, List<String> args, Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(opens.split(" ")));
        cmd.addAll(QUICK);
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.remove("SPARK_CONF_DIR");
        env.remove("CLASSPATH");
        return pb;
    }

    static String submit(String master, Path out, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        List<String> args = new ArrayList<>(List.of("--master", master, "--deploy-mode", "client",
                "--class", "org.vitssl.jobs.Main", "--name", "vitssl-ingest-" + name,
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.cores=2", "--conf", "spark.cores.max=2",
                "--conf", "spark.executor.extraJavaOptions=" + opens + " " + String.join(" ", QUICK),
                appJar.toString(),
                "ingest", "--train.path", data.toString(), "--output", out.toString()));
        Process p = java("org.apache.spark.deploy.SparkSubmit", args, log).start();
        try {
            assertTrue(p.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS), "spark-submit timed out:\n" + tail(Files.readString(log), 6000));
        } finally {
            p.destroyForcibly();
        }
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), tail(text, 8000));
        return text;
    }

    static void checkOutput(Path out, String log) throws Exception {
        assertTrue(log.contains("ingest train: seen 8 = written 8 + quarantined 0"), tail(log, 6000));
        Config m = ConfigFactory.parseString(Files.readString(out.resolve("_manifest.json")));
        assertEquals(8, m.getInt("splits.train.written"));
        try (Stream<Path> s = Files.list(out.resolve("train"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("part-") && p.toString().endsWith(".parquet")));
        }
    }

    @Test
    void localMaster() throws Exception {
        Path out = dir.resolve("out-local");
        checkOutput(out, submit("local[2]", out, "local"));
    }

    @Test
    void standaloneMasterAndWorker() throws Exception {
        int port = freePort(), masterUi = freePort(), workerUi = freePort();
        Path masterLog = dir.resolve("master.log"), workerLog = dir.resolve("worker.log");
        Path work = Files.createDirectories(dir.resolve("worker-work"));
        Process master = null, worker = null;
        try {
            master = java("org.apache.spark.deploy.master.Master",
                    List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(masterUi)),
                    masterLog).start();
            waitFor(masterLog, "I have been elected leader", master);
            worker = java("org.apache.spark.deploy.worker.Worker",
                    List.of("--host", "127.0.0.1", "--webui-port", Integer.toString(workerUi), "--cores", "2", "--memory", "1536m",
                            "--work-dir", work.toString(), "spark://127.0.0.1:" + port), workerLog).start();
            waitFor(workerLog, "Successfully registered with master", worker);

            Path out = dir.resolve("out-standalone");
            String log = submit("spark://127.0.0.1:" + port, out, "standalone");
            checkOutput(out, log);
            // The tasks ran in an executor the worker launched: its directory and logs exist.
            try (Stream<Path> s = Files.walk(work)) {
                List<Path> stderr = s.filter(p -> p.getFileName().toString().equals("stderr")).collect(Collectors.toList());
                assertTrue(!stderr.isEmpty(), "no executor was launched by the worker");
                String ex = Files.readString(stderr.get(0));
                assertTrue(ex.contains("Successfully registered with driver") || ex.contains("Got assigned task"), tail(ex, 4000));
            }
            assertTrue(Files.readString(masterLog).contains("Registering app vitssl-ingest-standalone"), Files.readString(masterLog));
        } finally {
            kill(worker);
            kill(master);
        }
    }

    static void waitFor(Path log, String line, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) return;
            if (!p.isAlive()) break;
            Thread.sleep(200);
        }
        throw new AssertionError("never saw '" + line + "':\n" + (Files.exists(log) ? tail(Files.readString(log), 6000) : ""));
    }

    /** Stops a daemon and everything it started (executors), politely first. */
    static void kill(Process p) throws InterruptedException {
        if (p == null) return;
        List<ProcessHandle> children = p.descendants().collect(Collectors.toList());
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
        for (ProcessHandle c : children) {
            c.destroyForcibly();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
