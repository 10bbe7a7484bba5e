package org.vitssl.common.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python script kept in the repository (Debian's {@code /usr/bin/python3} with python3-torch,
 * torchvision, PIL) as the side-by-side counterpart of a benchmark, and returns its stdout. Scripts are
 * located relative to the repository root: {@code -Dvitssl.home} (set by bin/vitssl), else the
 * working directory and its parents.
 */
public final class PythonCounterpart {
    public static final String PYTHON = System.getProperty("vitssl.python", "/usr/bin/python3");

    private PythonCounterpart() {}

    /** The repository root, or fails with a clear message. */
    public static File repoRoot() {
        String home = System.getProperty("vitssl.home");
        if (home != null) return new File(home);
        File d = new File("").getAbsoluteFile();
        while (d != null) {
            if (new File(d, "bin/vitssl").isFile() && new File(d, "pom.xml").isFile()) return d;
            d = d.getParentFile();
        }
        throw new IllegalStateException("cannot find the vitssl repository root; set -Dvitssl.home");
    }

    public static boolean available() {
        return new File(PYTHON).canExecute();
    }

    /**
     * Runs {@code script} (relative to the repo root) with arguments; threads are pinned through the
     * usual OMP/MKL variables so both sides use the same number of cores.
     */
    public static String run(String script, List<String> args, int threads, long timeoutSeconds)
            throws IOException, InterruptedException {
        File root = repoRoot();
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON);
        cmd.add(new File(root, script).getPath());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        String t = Integer.toString(threads);
        env.put("OMP_NUM_THREADS", t);
        env.put("MKL_NUM_THREADS", t);
        env.put("OPENBLAS_NUM_THREADS", t);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) out.append(line).append('\n');
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(script + " timed out after " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) throw new IOException(script + " failed (exit " + p.exitValue() + "):\n" + out);
        return out.toString();
    }
}
