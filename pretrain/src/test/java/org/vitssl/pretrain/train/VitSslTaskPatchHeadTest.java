package org.vitssl.pretrain.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.pretrain.optim.Gradients;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One VitSslTask step with the student's patch head on the masked positions only (the default) against the same
 * step with the head on all patches: the loss, its terms and every student parameter gradient agree; and the
 * Reppas contrastive term: loss = iBOT terms + L3, the teacher-detached source leaves the student gradients as
 * without the term, the student source changes them.
 */
class VitSslTaskPatchHeadTest {
    /** The loss, its terms and the student gradients (copied) of one step. */
    record Step(double loss, Map<String, Double> terms, Map<String, float[]> grads, Map<String, float[]> centres) {}

    static MultiCropBatch batch(int b, int gs, int ls, int locals) {
        SplittableRandom r = new SplittableRandom(21);
        float[] g = new float[2 * b * 3 * gs * gs];
        float[] l = new float[locals * b * 3 * ls * ls];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        for (int i = 0; i < l.length; i++) l[i] = (float) r.nextGaussian();
        String[] ids = new String[b];
        for (int i = 0; i < b; i++) ids[i] = "x" + i;
        return new MultiCropBatch(b, 2, locals, gs, ls, g, l, new int[b], ids);
    }

    static Step step(VitSslTask task, NDManager base, MultiCropBatch batch) {
        Map<String, Double> terms = new LinkedHashMap<>();
        Map<String, float[]> grads = new LinkedHashMap<>();
        double loss;
        try (NDManager m = base.newSubManager()) {
            Gradients.zero(task.student());
            JniUtils.setSeed(11);
            TrainingTask.StepOutput out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = task.forward(m, batch, new TrainingTask.StepContext(0, 0, 0.04, new SplittableRandom(5)));
                loss = out.loss().getFloat();
                gc.backward(out.loss());
            }
            for (Map.Entry<String, NDArray> t : out.terms().entrySet()) terms.put(t.getKey(), (double) t.getValue().getFloat());
            for (Map.Entry<String, Parameter> e : task.student().entrySet()) {
                NDArray w = e.getValue().getArray();
                if (w.hasGradient()) grads.put(e.getKey(), w.getGradient().toFloatArray());
            }
        }
        return new Step(loss, terms, grads, task.centres());
    }

    /** Runs one step of a fresh task (seed 7) from {@code c}, with the student's patch head on masked rows or all. */
    static Step run(Config c, boolean maskedOnly, MultiCropBatch batch) {
        try (NDManager base = NDManager.newBaseManager(); VitSslTask t = new VitSslTask(c, base, 7L)) {
            t.setStudentPatchHeadMaskedOnly(maskedOnly);
            return step(t, base, batch);
        }
    }

    static void close(double want, double got, double rtol, String what) {
        assertTrue(Math.abs(want - got) <= rtol * Math.abs(want), what + ": want " + want + " got " + got);
    }

    /** Every gradient within rtol of the largest magnitude of its tensor; returns the number of tensors compared. */
    static int sameGrads(Map<String, float[]> want, Map<String, float[]> got, double rtol, String what) {
        assertEquals(want.keySet(), got.keySet(), what + ": parameters with a gradient");
        for (Map.Entry<String, float[]> e : want.entrySet()) {
            float[] a = e.getValue(), b = got.get(e.getKey());
            double max = 0;
            for (float v : a) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= rtol * max + 1e-12,
                        what + " " + e.getKey() + "[" + i + "]: want " + a[i] + " got " + b[i] + " (max " + max + ")");
            }
        }
        return want.size();
    }

    static List<String> conf(Path run, String... more) {
        List<String> o = new ArrayList<>(VitSslTaskTest.tiny(run));
        o.addAll(List.of(more));
        return o;
    }

    static final String[] REPPAS = {"pretrain.method=reppas", "mask.method=reppas", "mask.reppas.layers=[-1, 0]",
            "mask.reppas.masking-prob=1.0"};

    static String[] with(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void maskedOnlyHeadGivesTheLossAndGradientsOfTheFullHead(@TempDir Path tmp) {
        MultiCropBatch batch = batch(4, 16, 8, 2);
        String[][] cases = {
                {"pretrain.method=ibot", "mask.method=block"},
                {"pretrain.method=ibot", "mask.method=rand", "model.ibot-head.shared-head=true"},
                {"pretrain.method=ibot", "mask.method=block", "mask.pred-ratio=[0.0]"},      // nothing masked
                with(REPPAS, "loss.reppas-contrastive.enabled=true"),
                with(REPPAS, "loss.reppas-contrastive.enabled=true", "loss.reppas-contrastive.source=teacher-detached"),
        };
        for (String[] cs : cases) {
            String what = String.join(" ", cs);
            Config c = VitsslConfig.load(null, conf(tmp, cs));
            PretrainChecks.validate(c);
            Step gathered = run(c, true, batch);
            Step full = run(c, false, batch);
            close(full.loss(), gathered.loss(), 1e-5, what + ": loss");
            assertEquals(full.terms().keySet(), gathered.terms().keySet(), what);
            for (String k : full.terms().keySet()) {
                double want = full.terms().get(k);
                if (want == 0) assertEquals(0.0, gathered.terms().get(k), what + ": " + k);
                else close(want, gathered.terms().get(k), 1e-5, what + ": " + k);
            }
            assertTrue(sameGrads(full.grads(), gathered.grads(), 1e-5, what) > 20, what);
            // c2 from the sum of the teacher's bottleneck rows through its last layer = the mean of its patch logits
            assertEquals(2, sameGrads(full.centres(), gathered.centres(), 1e-5, what + ": centres"));
        }
    }

    @Test
    void reppasContrastiveTermIsAddedAndTrainsTheStudentOnlyFromTheStudentSource(@TempDir Path tmp) {
        MultiCropBatch batch = batch(4, 16, 8, 2);
        Step without = run(VitsslConfig.load(null, conf(tmp, REPPAS)), true, batch);
        Step student = run(VitsslConfig.load(null, conf(tmp, with(REPPAS, "loss.reppas-contrastive.enabled=true"))), true, batch);
        Step teacher = run(VitsslConfig.load(null, conf(tmp, with(REPPAS, "loss.reppas-contrastive.enabled=true",
                "loss.reppas-contrastive.source=teacher-detached"))), true, batch);
        Step halfWeight = run(VitsslConfig.load(null, conf(tmp, with(REPPAS, "loss.reppas-contrastive.enabled=true",
                "loss.reppas-contrastive.lambda3=0.5"))), true, batch);
        assertFalse(without.terms().containsKey("l3"));
        for (Step s : List.of(student, teacher, halfWeight)) {
            double l3 = s.terms().get("l3");
            assertTrue(Double.isFinite(l3) && l3 != 0, "l3 " + l3);
            // lambda1 = lambda2 = 1: loss = L_cls + L_mim + L3
            close(s.terms().get("cls") + s.terms().get("mim") + l3, s.loss(), 1e-6, "loss = iBOT terms + L3");
            close(without.terms().get("cls"), s.terms().get("cls"), 1e-6, "the iBOT CLS term is unchanged");
            close(without.terms().get("mim"), s.terms().get("mim"), 1e-6, "the iBOT MIM term is unchanged");
        }
        close(student.terms().get("l3") / 2, halfWeight.terms().get("l3"), 1e-5, "lambda3 scales L3");
        assertNotEquals(student.terms().get("l3"), teacher.terms().get("l3"), "the two sources compare different vectors");
        sameGrads(without.grads(), teacher.grads(), 1e-6, "teacher-detached: the student gradients are those without L3");
        double most = 0;
        for (Map.Entry<String, float[]> g : without.grads().entrySet()) {
            float[] a = g.getValue(), b = student.grads().get(g.getKey());
            double max = 1e-12;
            for (float v : a) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i] - b[i]) / max);
        }
        assertTrue(most > 1e-3, "the student source changes the student gradients (largest relative change " + most + ")");
    }

    @Test
    void contrastiveTermNeedsTheReppasMethodAndAKnownHeadSetting(@TempDir Path tmp) {
        ConfigException e = assertThrows(ConfigException.class, () -> {
            try (NDManager base = NDManager.newBaseManager(); VitSslTask t = new VitSslTask(VitsslConfig.load(null,
                    conf(tmp, "pretrain.method=ibot", "loss.reppas-contrastive.enabled=true")), base, 1L)) {
                t.method();
            }
        });
        assertTrue(e.getMessage().contains("vitssl.loss.reppas-contrastive.enabled"), e.getMessage());
        ConfigException h = assertThrows(ConfigException.class, () -> {
            try (NDManager base = NDManager.newBaseManager(); VitSslTask t = new VitSslTask(VitsslConfig.load(null,
                    conf(tmp, "pretrain.method=ibot", "pretrain.student-patch-head=some")), base, 1L)) {
                t.method();
            }
        });
        assertTrue(h.getMessage().contains(VitSslTask.STUDENT_PATCH_HEAD), h.getMessage());
    }
    @Test
    void reppasRecipeEnablesTheContrastiveTerm() {
        java.io.File f = new java.io.File("../conf/reppas-contrastive-20pct.conf");
        assertTrue(f.isFile(), f.getAbsolutePath());
        Config c = VitsslConfig.load(f.getPath(), List.of("pretrain.images=/data/x", "pretrain.run-dir=/tmp/run"));
        new PretrainJob().validate(c);
        assertEquals("reppas", c.getString("vitssl.pretrain.method"));
        assertTrue(c.getBoolean("vitssl.loss.reppas-contrastive.enabled"));
        assertEquals(3, c.getInt("vitssl.loss.reppas-contrastive.k-anchors"));
        assertEquals(64, c.getInt("vitssl.pretrain.batch-size"));
        assertEquals("masked-only", c.getString(VitSslTask.STUDENT_PATCH_HEAD));
    }
}
