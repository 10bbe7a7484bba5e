package org.vitssl.pretrain.optim;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Schedules against numpy's evaluation of DINO's cosine_scheduler (fixtures/schedules.json). */
class SchedulesTest {
    @SuppressWarnings("unchecked")
    @Test
    void matchesDinoCosineSchedulerAndTeacherTemperature() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Fixtures.json("schedules.json").get("cases");
        int checked = 0;
        for (Map<String, Object> c : cases) {
            double[] want = Fixtures.doubles(c.get("values"));
            double scale = 0;
            for (double w : want) scale = Math.max(scale, Math.abs(w));
            String kind = (String) c.get("kind");
            for (int i = 0; i < want.length; i++) {
                double got;
                switch (kind) {
                    case "lr": {
                        OptimSettings s = settings(num(c, "lr"), num(c, "min_lr"), (int) num(c, "warmup_epochs"),
                                0.04, 0.4, 0.996, (int) num(c, "epochs"));
                        got = TrainingSchedules.of(s, (int) num(c, "batch"), (long) num(c, "iters_per_epoch")).lr(i);
                        break;
                    }
                    case "wd": {
                        OptimSettings s = settings(5e-4, 1e-6, 0, num(c, "wd"), num(c, "wd_end"), 0.996,
                                (int) num(c, "epochs"));
                        got = TrainingSchedules.of(s, 256, (long) num(c, "iters_per_epoch")).weightDecay(i);
                        break;
                    }
                    case "momentum": {
                        OptimSettings s = settings(5e-4, 1e-6, 0, 0.04, 0.4, num(c, "momentum"), (int) num(c, "epochs"));
                        got = TrainingSchedules.of(s, 256, (long) num(c, "iters_per_epoch")).momentum(i);
                        break;
                    }
                    case "teacher_temp":
                        got = new TeacherTemperatureSchedule(num(c, "warmup_teacher_temp"), num(c, "teacher_temp"),
                                (int) num(c, "warmup_epochs"), (int) num(c, "epochs")).valueAt(i);
                        break;
                    default:
                        throw new IllegalStateException(kind);
                }
                assertEquals(want[i], got, scale * 1e-14, kind + " " + c + " at " + i);
                checked++;
            }
        }
        assertEquals(true, checked > 900, "checked " + checked);
    }

    @Test
    void warmupEndsExactlyAtPeakAndCosineStartsThere() {
        CosineSchedule s = new CosineSchedule(2.0, 0.5, 5, 10, 2, 0.0);
        assertEquals(0.0, s.valueAt(0));
        assertEquals(2.0, s.valueAt(19));
        assertEquals(2.0, s.valueAt(20));
        // last value is close to, not equal to, final (as in DINO)
        double last = s.valueAt(49);
        assertEquals(0.5 + 0.75 * (1 + Math.cos(Math.PI * 29 / 30)), last, 1e-15);
        assertEquals(last, s.valueAt(1000), "past the end keeps the last value");
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1, 0, 3, 10, 3, 0));
    }

    @Test
    void dinoTwinsWarmupStartAndFinalFactors() {
        // LinearWarmupCosineAnnealingLR as DINO Twins sets it: from 0.1 x peak, cosine to 0.1 x peak
        OptimSettings o = new OptimSettings(3e-4, 0.0, 2, 0.01, 0.01, 0.9, 0.999, 1e-8, 0, 0, 0.9995, 0.07, 0.04, 2, 10,
                0.1, 0.1, true);
        TrainingSchedules t = TrainingSchedules.of(o, 512, 5);
        double peak = 3e-4 * 2;
        assertEquals(0.1 * peak, t.lr(0), 1e-18);
        assertEquals(0.1 * peak + 0.9 * peak * 4 / 9, t.lr(4), 1e-15);
        assertEquals(peak, t.lr(9), 1e-18);
        assertEquals(peak, t.lr(10), 1e-18);
        assertEquals(0.1 * peak + 0.5 * 0.9 * peak * (1 + Math.cos(Math.PI * 39 / 40)), t.lr(49), 1e-15);
        assertEquals(0.01, t.weightDecay(0), 1e-18);
        assertEquals(0.01, t.weightDecay(49), 1e-18);
        assertEquals(0.04, t.teacherTemp(0), 1e-18);
        assertEquals(0.07, t.teacherTemp(1), 1e-18);
    }

    private static double num(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).doubleValue();
    }

    static OptimSettings settings(double lr, double minLr, int warm, double wd, double wdEnd, double m, int epochs) {
        return new OptimSettings(lr, minLr, warm, wd, wdEnd, 0.9, 0.999, 1e-8, 3.0, 1, m, 0.04, 0.04, 0, epochs);
    }
}
