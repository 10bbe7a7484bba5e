package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import org.vitssl.common.io.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code state.json} holds besides the weights: the position of the run (steps done, the epoch and batch
 * of the next step), the seed from which every random stream of a step is derived (so the RNG state of the
 * next step is a function of (seed, step): nothing else to save), the loss centres, and the schedule values
 * at the last step done (for the record).
 *
 * @param step optimiser steps done
 * @param epoch epoch of the next step
 * @param batchInEpoch batch index within {@code epoch} of the next step (the loader's startBatch)
 * @param seed run seed
 * @param centres named loss centres (e.g. dino.center, ibot.center2)
 * @param schedule lr, wd, momentum, teacher_temp of the last step done
 * @param architecture a fingerprint of parameter names and shapes (checked on resume)
 */
public record TrainState(long step, int epoch, int batchInEpoch, long seed, Map<String, float[]> centres,
                         Map<String, Double> schedule, String architecture) {

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", 1);
        m.put("step", step);
        m.put("epoch", epoch);
        m.put("batch_in_epoch", batchInEpoch);
        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("seed", seed);
        rng.put("derivation", "splitmix64(seed, step) seeds libtorch and java SplittableRandom at each step");
        m.put("rng", rng);
        Map<String, Object> c = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : centres.entrySet()) {
            List<Double> l = new ArrayList<>(e.getValue().length);
            for (float f : e.getValue()) l.add((double) f);
            c.put(e.getKey(), l);
        }
        m.put("centres", c);
        m.put("schedule", new LinkedHashMap<>(schedule));
        m.put("architecture", architecture);
        return Json.render(m, true);
    }

    public static TrainState fromJson(String json, String what) {
        try {
            Config c = ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            Map<String, float[]> centres = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : c.getObject("centres").unwrapped().entrySet()) {
                List<?> l = (List<?>) e.getValue();
                float[] f = new float[l.size()];
                for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
                centres.put(e.getKey(), f);
            }
            Map<String, Double> sched = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : c.getObject("schedule").unwrapped().entrySet()) {
                sched.put(e.getKey(), ((Number) e.getValue()).doubleValue());
            }
            return new TrainState(c.getLong("step"), c.getInt("epoch"), c.getInt("batch_in_epoch"),
                    c.getLong("rng.seed"), centres, sched, c.getString("architecture"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": unreadable training state: " + e.getMessage(), e);
        }
    }

    /** SplitMix64 of (seed, step, stream): the seed of one random stream of one step. */
    public static long streamSeed(long seed, long step, int stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (step + 1) + 0xD1B54A32D192ED03L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
