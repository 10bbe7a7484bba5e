package org.vitssl.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Typed reads with range checks. Every failure is a {@link ConfigException.BadValue} that names the
 * full key path and the bad value, so a user sees exactly which line of their file to fix.
 */
public final class ConfigChecks {
    private ConfigChecks() {}

    public static int intIn(Config c, String path, int min, int max) {
        int v = c.getInt(path);
        if (v < min || v > max) throw bad(path, v, "must be in [" + min + ", " + max + "]");
        return v;
    }

    public static int positiveInt(Config c, String path) {
        return intIn(c, path, 1, Integer.MAX_VALUE);
    }

    public static int nonNegativeInt(Config c, String path) {
        return intIn(c, path, 0, Integer.MAX_VALUE);
    }

    public static long positiveLong(Config c, String path) {
        long v = c.getLong(path);
        if (v < 1) throw bad(path, v, "must be positive");
        return v;
    }

    public static double doubleIn(Config c, String path, double min, double max) {
        double v = c.getDouble(path);
        if (!(v >= min && v <= max)) throw bad(path, v, "must be in [" + min + ", " + max + "]");
        return v;
    }

    /** A probability in [0, 1]. */
    public static double probability(Config c, String path) {
        return doubleIn(c, path, 0.0, 1.0);
    }

    public static double positiveDouble(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v > 0) || Double.isInfinite(v)) throw bad(path, v, "must be a positive finite number");
        return v;
    }

    /** A pair [lo, hi] with min <= lo <= hi <= max (crop scales, ratio ranges). */
    public static double[] range(Config c, String path, double min, double max, boolean loExclusive) {
        List<Double> l = c.getDoubleList(path);
        if (l.size() != 2) throw bad(path, l, "must be a list of two numbers [min, max]");
        double lo = l.get(0), hi = l.get(1);
        boolean loOk = loExclusive ? lo > min : lo >= min;
        if (!loOk || hi > max) {
            throw bad(path, l, "must lie in " + (loExclusive ? "(" : "[") + min + ", " + max + "]");
        }
        if (lo > hi) throw bad(path, l, "min " + lo + " is above max " + hi);
        return new double[] {lo, hi};
    }

    public static String oneOf(Config c, String path, Set<String> allowed) {
        String v = c.getString(path).toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) throw bad(path, v, "must be one of " + allowed);
        return v;
    }

    public static String nonEmptyString(Config c, String path) {
        String v = c.getString(path);
        if (v == null || v.isBlank()) throw bad(path, "\"" + v + "\"", "must be set");
        return v;
    }

    public static ConfigException.BadValue bad(String path, Object value, String why) {
        return new ConfigException.BadValue(path, "bad value " + value + ": " + why);
    }
}
