package org.vitssl.pretrain.mask;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Builds the {@link MaskStrategy} of {@code vitssl.mask} (documented in the module's reference.conf),
 * validating every key with {@link ConfigChecks} (errors name the full key path). The start epoch of
 * masking is {@code vitssl.loss.ibot.pred-start-epoch}.
 */
public final class MaskConfigs {
    public static final String ROOT = "vitssl.mask";
    public static final Set<String> METHODS =
            Set.of("none", "rand", "block", "attmask-high", "attmask-low", "attmask-hint", "reppas");

    private MaskConfigs() {}

    /** The method in its kebab-case spelling; the older snake_case spellings (attmask_high, ...) are accepted. */
    public static String method(Config c) {
        String path = ROOT + ".method";
        String v = c.getString(path).toLowerCase(Locale.ROOT).replace('_', '-');
        if (!METHODS.contains(v)) throw ConfigChecks.bad(path, v, "must be one of " + METHODS);
        return v;
    }

    public static MaskStrategy fromConfig(Config c) {
        String method = method(c);
        switch (method) {
            case "none": return MaskStrategy.NONE;
            case "rand": return new IbotMaskGenerator(new RandomMaskGenerator(), ratioSampler(c),
                    ConfigChecks.probability(c, ROOT + ".masking-prob"));
            case "block": return new IbotMaskGenerator(blockGenerator(c), ratioSampler(c),
                    ConfigChecks.probability(c, ROOT + ".masking-prob"));
            case "reppas": return reppas(c);
            default: return attMask(c, AttMaskGenerator.Mode.parse(method));
        }
    }

    public static MaskRatioSampler ratioSampler(Config c) {
        String pr = ROOT + ".pred-ratio", pv = ROOT + ".pred-ratio-var";
        List<Double> r = c.getDoubleList(pr), v = c.getDoubleList(pv);
        if (r.isEmpty()) throw ConfigChecks.bad(pr, r, "must list at least one ratio");
        if (r.size() != v.size()) throw ConfigChecks.bad(pv, v, "must have as many entries as " + pr + " " + r);
        double[] ra = new double[r.size()], va = new double[v.size()];
        for (int i = 0; i < ra.length; i++) {
            ra[i] = r.get(i);
            va[i] = v.get(i);
            if (!(ra[i] >= 0 && ra[i] <= 1)) throw ConfigChecks.bad(pr, r, "entries must be in [0, 1]");
            if (!(va[i] >= 0) || ra[i] - va[i] < 0 || ra[i] + va[i] > 1) {
                throw ConfigChecks.bad(pv, v, "entry " + va[i] + " must keep " + ra[i] + " +- var within [0, 1]");
            }
        }
        int start = ConfigChecks.nonNegativeInt(c, "vitssl.loss.ibot.pred-start-epoch");
        return new MaskRatioSampler(ra, va, start);
    }

    public static BlockMaskGenerator blockGenerator(Config c) {
        String p = ROOT + ".block.";
        double minAspect = c.getDouble(p + "min-aspect");
        if (!(minAspect > 0 && minAspect <= 1)) throw ConfigChecks.bad(p + "min-aspect", minAspect, "must be in (0, 1]");
        return new BlockMaskGenerator(minAspect, ConfigChecks.positiveInt(c, p + "max-attempts"),
                ConfigChecks.intIn(c, p + "min-num-patches", -1, Integer.MAX_VALUE));
    }

    public static AttMaskGenerator attMask(Config c, AttMaskGenerator.Mode mode) {
        String p = ROOT + ".attmask.";
        return new AttMaskGenerator(mode, ratioSampler(c), ConfigChecks.probability(c, p + "masking-prob"),
                ConfigChecks.probability(c, p + "show-max"));
    }

    public static ReppasMaskGenerator reppas(Config c) {
        String p = ROOT + ".reppas.";
        List<String> methods = c.getStringList(p + "methods");
        List<Integer> layers = c.getIntList(p + "layers");
        List<Double> powers = c.getDoubleList(p + "powers");
        if (methods.isEmpty() || methods.size() > 2) throw ConfigChecks.bad(p + "methods", methods, "needs 1 or 2 entries (one per global view)");
        if (layers.size() != methods.size()) throw ConfigChecks.bad(p + "layers", layers, "needs one entry per method " + methods);
        if (powers.size() != methods.size()) throw ConfigChecks.bad(p + "powers", powers, "needs one entry per method " + methods);
        boolean accumulate = c.getBoolean(p + "accumulate-across-batch");
        List<ReppasScore> scores = new ArrayList<>();
        for (int i = 0; i < methods.size(); i++) {
            ReppasScore.Method m;
            try {
                m = ReppasScore.Method.parse(methods.get(i));
            } catch (IllegalArgumentException e) {
                throw ConfigChecks.bad(p + "methods", methods, e.getMessage());
            }
            if (!(powers.get(i) > 0)) throw ConfigChecks.bad(p + "powers", powers, "entries must be > 0");
            scores.add(new ReppasScore(m, layers.get(i), powers.get(i), accumulate));
        }
        double[] range = ConfigChecks.range(c, p + "ratio-range", 0, 1, false);
        return new ReppasMaskGenerator(scores, range[0], range[1], ConfigChecks.probability(c, p + "masking-prob"));
    }
}
