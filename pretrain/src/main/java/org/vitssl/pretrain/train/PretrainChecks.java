package org.vitssl.pretrain.train;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.mask.MaskConfigs;

import java.util.Set;

/** Cross-checks of a pretraining configuration, run before any work; each failure names the key. */
public final class PretrainChecks {
    public static final Set<String> METHODS = Set.of("dino", "ibot", "attmask", "reppas");
    /** Methods of the spec not wired into the loop yet (their losses and heads exist in the model/loss packages). */
    public static final Set<String> NOT_YET = Set.of("barlow-twins", "dino-twins");

    private PretrainChecks() {}

    public static String method(Config c) {
        String key = TrainerSettings.SECTION + ".method";
        String m = c.getString(key).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        if (NOT_YET.contains(m)) {
            throw ConfigChecks.bad(key, m, "is not supported by the training loop yet; supported: " + METHODS);
        }
        if (!METHODS.contains(m)) throw ConfigChecks.bad(key, m, "must be one of " + METHODS);
        return m;
    }

    /** All cross-module checks of the issue (AttMask needs a mask-capable model, head out-dim, crop sizes, batch). */
    public static void validate(Config c) {
        String method = method(c);
        TrainerSettings.fromConfig(c); // includes batch divisibility among devices
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
        int gs = c.getInt("vitssl.augment.global.size");
        int ls = c.getInt("vitssl.augment.local.size");
        if (c.getInt("vitssl.augment.local.count") > 0 && ls > gs) {
            throw ConfigChecks.bad("vitssl.augment.local.size", ls, "local crops must not be larger than the global ones "
                    + "(vitssl.augment.global.size = " + gs + ")");
        }
        int patch = c.getInt("vitssl.model.patch-size");
        if (gs % patch != 0) throw ConfigChecks.bad("vitssl.augment.global.size", gs, "must be a multiple of vitssl.model.patch-size " + patch);
        if (c.getInt("vitssl.augment.local.count") > 0 && ls % patch != 0) {
            throw ConfigChecks.bad("vitssl.augment.local.size", ls, "must be a multiple of vitssl.model.patch-size " + patch);
        }
        if (c.getInt("vitssl.augment.global.count") != 2) {
            throw ConfigChecks.bad("vitssl.augment.global.count", c.getInt("vitssl.augment.global.count"),
                    "the teacher-student losses take exactly 2 global crops");
        }
    }
}
