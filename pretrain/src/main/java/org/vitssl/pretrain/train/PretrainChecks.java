package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.mask.MaskConfigs;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Cross-checks of a pretraining configuration, run before any work; each failure names the key. */
public final class PretrainChecks {
    public static final Set<String> METHODS = Set.of("dino", "ibot", "attmask", "reppas", "barlow-twins", "dino-twins");

    private PretrainChecks() {}

    public static String method(Config c) {
        String key = TrainerSettings.SECTION + ".method";
        String m = c.getString(key).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        if (!METHODS.contains(m)) throw ConfigChecks.bad(key, m, "must be one of " + new TreeSet<>(METHODS));
        return m;
    }

    /** All cross-module checks of the issue (AttMask needs a mask-capable model, head out-dim, crop sizes, batch). */
    public static void validate(Config c) {
        String method = method(c);
        TrainerSettings s = TrainerSettings.fromConfig(c); // includes batch divisibility among devices
        boolean twins = method.equals("barlow-twins") || method.equals("dino-twins");
        if (!twins) maskChecks(c, method);
        int gs = c.getInt("vitssl.augment.global.size");
        int ls = c.getInt("vitssl.augment.local.size");
        int locals = c.getInt("vitssl.augment.local.count");
        int globals = c.getInt("vitssl.augment.global.count");
        if (locals > 0 && ls > gs) {
            throw ConfigChecks.bad("vitssl.augment.local.size", ls, "local crops must not be larger than the global ones "
                    + "(vitssl.augment.global.size = " + gs + ")");
        }
        int patch = c.getInt("vitssl.model.patch-size");
        if (gs % patch != 0) throw ConfigChecks.bad("vitssl.augment.global.size", gs, "must be a multiple of vitssl.model.patch-size " + patch);
        if (locals > 0 && ls % patch != 0) {
            throw ConfigChecks.bad("vitssl.augment.local.size", ls, "must be a multiple of vitssl.model.patch-size " + patch);
        }
        if (method.equals("barlow-twins")) {
            barlowChecks(c, s, globals, locals);
        } else if (globals != 2) {
            throw ConfigChecks.bad("vitssl.augment.global.count", globals, "the teacher-student losses take exactly 2 global crops");
        }
        if (method.equals("dino-twins")) {
            for (String k : List.of("out-dim", "hidden-dim", "bottleneck-dim", "projector-dim")) {
                ConfigChecks.positiveInt(c, "vitssl.model.dino-twins." + k);
            }
            if (s.perDeviceBatch() < 2) {
                throw ConfigChecks.bad(TrainerSettings.SECTION + ".batch-size", s.batchSize(), "DINO Twins standardises the "
                        + "projector outputs over the batch (unbiased std): at least 2 images per device are needed");
            }
        }
    }

    private static void maskChecks(Config c, String method) {
        String mask = MaskConfigs.method(c);
        if (method.equals("attmask") && !mask.startsWith("attmask")) {
            throw ConfigChecks.bad("vitssl.mask.method", mask, "must be attmask-high, attmask-low or attmask-hint for "
                    + TrainerSettings.SECTION + ".method = attmask");
        }
        if (method.equals("reppas") && !mask.equals("reppas")) {
            throw ConfigChecks.bad("vitssl.mask.method", mask, "must be reppas for " + TrainerSettings.SECTION + ".method = reppas");
        }
        if (!method.equals("dino") && !mask.equals("none") && !c.getBoolean("vitssl.model.mask-token")) {
            throw ConfigChecks.bad("vitssl.model.mask-token", false, "masked image modelling (" + TrainerSettings.SECTION
                    + ".method = " + method + ", vitssl.mask.method = " + mask + ") needs a mask-capable model: set it to true");
        }
        String head = method.equals("dino") ? "vitssl.model.dino-head" : "vitssl.model.ibot-head";
        ConfigChecks.positiveInt(c, head + ".out-dim");
        if (!method.equals("dino")) ConfigChecks.positiveInt(c, head + ".patch-out-dim");
    }

    private static void barlowChecks(Config c, TrainerSettings s, int globals, int locals) {
        if (s.devices() > 1) {
            throw ConfigChecks.bad(TrainerSettings.SECTION + ".devices", s.devices(), "barlow-twins runs on one device: the "
                    + "reference synchronises the projector's BatchNorm and the cross-correlation across workers (SyncBN), "
                    + "which is not implemented; use 1");
        }
        String key = "vitssl.model.barlow-projector.sizes";
        List<Integer> sizes = c.getIntList(key);
        if (sizes.isEmpty() || sizes.stream().anyMatch(x -> x < 1)) throw ConfigChecks.bad(key, sizes, "must be a non-empty list of positive widths");
        if (globals < 2) {
            throw ConfigChecks.bad("vitssl.augment.global.count", globals, "Barlow Twins compares at least 2 global views of each image");
        }
        if (locals != 0) {
            throw ConfigChecks.bad("vitssl.augment.local.count", locals, "Barlow Twins trains on the global views only: set it to 0");
        }
        if (s.batchSize() < 2) {
            throw ConfigChecks.bad(TrainerSettings.SECTION + ".batch-size", s.batchSize(), "Barlow Twins needs batch statistics: at least 2");
        }
    }
}
