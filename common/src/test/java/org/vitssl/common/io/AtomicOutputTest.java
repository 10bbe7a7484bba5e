package org.vitssl.common.io;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicOutputTest {
    @TempDir Path dir;
    final Configuration conf = new Configuration();

    static Set<String> names(Path p) throws Exception {
        try (Stream<Path> s = Files.list(p)) {
            return s.map(x -> x.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    void writeOutput(Path target, boolean overwrite, String... files) throws Exception {
        AtomicOutput o = AtomicOutput.begin(target.toString(), overwrite, conf);
        Path tmp = Path.of(new org.apache.hadoop.fs.Path(o.tempPath()).toUri().getPath());
        assertFalse(tmp.equals(target));
        for (String f : files) Files.writeString(tmp.resolve(f), f);
        o.commit();
    }

    @Test
    void refusesAnExistingOutputWithoutOverwrite() throws Exception {
        Path target = dir.resolve("out");
        writeOutput(target, false, "a", "b");
        AtomicOutput.OutputExistsException e = assertThrows(AtomicOutput.OutputExistsException.class,
                () -> AtomicOutput.begin(target.toString(), false, conf));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("overwrite"), e.getMessage());
        assertEquals(Set.of("a", "b"), names(target));
    }

    @Test
    void overwriteReplacesEverythingAtOnceAndLeavesNoLeftovers() throws Exception {
        Path target = dir.resolve("out");
        writeOutput(target, false, "old-1", "old-2", "old-3");
        AtomicOutput o = AtomicOutput.begin(target.toString(), true, conf);
        Path tmp = Path.of(new org.apache.hadoop.fs.Path(o.tempPath()).toUri().getPath());
        Files.writeString(tmp.resolve("new-1"), "x");
        // Until commit, readers see exactly the old output.
        assertEquals(Set.of("old-1", "old-2", "old-3"), names(target));
        o.commit();
        assertEquals(Set.of("new-1"), names(target));
        assertEquals(Set.of("out"), names(dir), "no temporary or old directories remain");
    }

    @Test
    void abortKeepsThePreviousOutput() throws Exception {
        Path target = dir.resolve("out");
        writeOutput(target, false, "old");
        AtomicOutput o = AtomicOutput.begin(target.toString(), true, conf);
        Files.writeString(Path.of(new org.apache.hadoop.fs.Path(o.tempPath()).toUri().getPath()).resolve("half"), "x");
        o.abort();
        assertEquals(Set.of("old"), names(target));
        assertEquals(Set.of("out"), names(dir));
    }

    /** A writer JVM killed with SIGKILL in the middle of writing leaves the previous output intact. */
    @Test
    void killedWriterLeavesThePreviousOutputIntact() throws Exception {
        Path target = dir.resolve("out");
        writeOutput(target, false, "old-1", "old-2");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D")).collect(Collectors.toList()));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AtomicOutputChild.class.getName());
        cmd.add(target.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String tmp = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("WRITING ")) { tmp = line.substring(8); break; }
            }
            assertTrue(tmp != null, "child never started writing");
            assertTrue(new File(tmp, "part-3").isFile());
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue());
            assertEquals(Set.of("old-1", "old-2"), names(target), "previous output untouched");
            assertEquals("old-1", Files.readString(target.resolve("old-1")));
            assertTrue(new File(tmp).isDirectory(), "the killed run's temporary directory is a hidden leftover");
            assertTrue(new File(tmp).getName().startsWith("."));
            // The next run removes the leftover and commits normally.
            writeOutput(target, true, "new");
            assertEquals(Set.of("new"), names(target));
            assertEquals(Set.of("out"), names(dir));
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
