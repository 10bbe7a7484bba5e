package org.vitssl.pretrain.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM trains the tiny task and is killed with SIGKILL mid-run (between checkpoints); a second child
 * resumes from the newest complete checkpoint and finishes. The final student, teacher, optimiser state and
 * centres must equal, bit for bit, those of an uninterrupted child run of the same length.
 */
class ExactResumeTest {
    static final int TOTAL = TinyRun.EPOCHS * 8; // 32 vectors / batch 4 = 8 batches per epoch

    @Test
    void killedAndResumedRunEqualsUninterruptedRunBitForBit(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        Path killed = tmp.resolve("killed");
        assertEquals(0, child(straight, 0, -1).waitFor());

        Process p = child(killed, 40, 13);
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, "the child must have been killed, exit " + p.exitValue());
        File ckpts = killed.resolve("checkpoints").toFile();
        String[] names = ckpts.list((d, n) -> n.startsWith("step-"));
        assertTrue(names != null && names.length > 0, "a checkpoint before the kill");

        Process resumed = child(killed, 0, -1);
        List<String> lines = drain(resumed);
        assertEquals(0, resumed.waitFor(), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("resumed from")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.equals("DONE " + TOTAL + " resumed=true")), String.join("\n", lines));

        Path a = straight.resolve("checkpoints/step-" + TOTAL);
        Path b = killed.resolve("checkpoints/step-" + TOTAL);
        for (String f : List.of(CheckpointStore.STUDENT, CheckpointStore.TEACHER, CheckpointStore.OPTIMIZER,
                CheckpointStore.TEACHER_BACKBONE)) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        TrainState sa = TrainState.fromJson(Files.readString(a.resolve(CheckpointStore.STATE)), "a");
        TrainState sb = TrainState.fromJson(Files.readString(b.resolve(CheckpointStore.STATE)), "b");
        assertArrayEquals(sa.centres().get("dino.center"), sb.centres().get("dino.center"));
        assertEquals(sa.step(), sb.step());
        assertEquals(TinyRun.EPOCHS, sb.epoch());
    }

    /** Starts a child; with killAfter >= 0 it is SIGKILLed as soon as it reports that step. */
    private static Process child(Path runDir, long sleepMs, int killAfter) throws Exception {
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(
                new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx512m",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", cp, TinyRun.class.getName(), runDir.toString(), "-1", Long.toString(sleepMs)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (killAfter < 0) {
            if (sleepMs == 0 && killAfter == -1 && !runDir.endsWith("killed")) {
                List<String> l = drain(p);
                p.waitFor();
                assertTrue(l.stream().anyMatch(x -> x.equals("DONE " + TOTAL + " resumed=false")), String.join("\n", l));
            }
            return p;
        }
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.equals("STEP " + killAfter)) {
                p.destroyForcibly(); // SIGKILL on Linux
                break;
            }
        }
        return p;
    }

    private static List<String> drain(Process p) throws Exception {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) out.add(line);
        }
        return out;
    }
}
