package org.vitssl.tests.ingest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vitssl.tests.ingest.IngestTestSupport.*;

/**
 * An ingest JVM killed with SIGKILL while it writes over an existing output: the previous output is
 * intact (same files, same manifest, same rows), and the next run cleans up and commits.
 */
class IngestKillTest {
    @TempDir static Path dir;

    @BeforeAll
    static void before() { stopSpark(); }

    @AfterAll
    static void stop() { stopSpark(); }

    static Set<String> files(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).map(x -> p.relativize(x).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    static String[] idx(Path d, String name, int n) throws Exception {
        byte[][] img = new byte[n][28 * 28];
        int[] lab = new int[n];
        java.util.Random r = new java.util.Random(n);
        for (int i = 0; i < n; i++) { r.nextBytes(img[i]); lab[i] = i % 10; }
        writeIdxImages(d.resolve(name + "-images"), img, 28, 28, false);
        writeIdxLabels(d.resolve(name + "-labels"), lab, false);
        return new String[] {"--train.format", "idx", "--train.path", q(d.resolve(name + "-images")),
                "--train.labels", q(d.resolve(name + "-labels"))};
    }

    @Test
    void killedRunLeavesThePreviousOutputIntact() throws Exception {
        Path out = dir.resolve("out");
        List<String> small = new ArrayList<>(List.of(idx(dir, "small", 50)));
        small.addAll(List.of("--output", q(out)));
        assertEquals(0, ingest(small.toArray(new String[0])).rc());
        Set<String> before = files(out);
        String manifest = manifest(out);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-D")) cmd.add(a);
        }
        cmd.addAll(List.of("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "org.vitssl.jobs.Main", "ingest",
                "vitssl.spark.master=local[1]", "--output", q(out), "--overwrite", "--records-per-task", "2000"));
        cmd.addAll(List.of(idx(dir, "big", 12000)));
        File log = dir.resolve("child.log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        try {
            Path tmpTrain = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (tmpTrain == null && p.isAlive() && System.nanoTime() < deadline) {
                try (Stream<Path> s = Files.list(dir)) {
                    Optional<Path> tmp = s.filter(x -> x.getFileName().toString().startsWith(".out._tmp-")).findFirst();
                    if (tmp.isPresent() && Files.isDirectory(tmp.get().resolve("train"))) tmpTrain = tmp.get().resolve("train");
                }
                if (tmpTrain == null) Thread.sleep(10);
            }
            assertTrue(tmpTrain != null, "the child never started writing shards:\n" + Files.readString(log.toPath()));
            p.destroyForcibly(); // SIGKILL in the middle of the Parquet write
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "killed, not finished:\n" + Files.readString(log.toPath()));
            assertFalse(Files.readString(log.toPath()).contains("ingest: wrote"), "the child had committed before the kill");

            assertEquals(before, files(out), "previous output: same files");
            assertEquals(manifest, manifest(out), "previous output: same manifest");
            assertEquals(50, table(out.resolve("train")).count());
            assertTrue(Files.isDirectory(tmpTrain.getParent()), "the killed run's hidden temporary is still there");

            // The next run removes the leftover and replaces the output.
            List<String> again = new ArrayList<>(small);
            again.addAll(List.of("--overwrite", "--subset.mode", "first-n", "--subset.per-class", "2"));
            assertEquals(0, ingest(again.toArray(new String[0])).rc());
            assertEquals(20, table(out.resolve("train")).count());
            try (Stream<Path> s = Files.list(dir)) {
                assertTrue(s.noneMatch(x -> x.getFileName().toString().startsWith(".out")), "leftovers removed");
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
