package org.vitssl.ingest;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which images of one class to keep, decided on the class's items in sorted path order (records: file
 * order) before anything is decoded.
 * <ul>
 *   <li>{@code first-n}: the first {@code perClass} (AttMask/OBoW: 260 per class = the 20% ImageNet set);</li>
 *   <li>{@code fraction}: the first {@code max(1, round(fraction * n))};</li>
 *   <li>{@code random-n}: {@code perClass} drawn without replacement with a generator seeded by
 *       (seed, class name), so the choice does not depend on partitioning or on other classes;
 *       the kept items stay in sorted order.</li>
 * </ul>
 */
public final class SubsetRule implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final Set<String> MODES = Set.of("none", "first-n", "fraction", "random-n");

    public final String mode;
    public final int perClass;
    public final double fraction;
    public final long seed;

    public SubsetRule(String mode, int perClass, double fraction, long seed) {
        this.mode = mode;
        this.perClass = perClass;
        this.fraction = fraction;
        this.seed = seed;
    }

    public static SubsetRule none() { return new SubsetRule("none", 0, 1.0, 0); }

    static SubsetRule fromConfig(Config c, String p) {
        String mode = ConfigChecks.oneOf(c, p + ".mode", MODES);
        int perClass = ConfigChecks.positiveInt(c, p + ".per-class");
        double fraction = ConfigChecks.doubleIn(c, p + ".fraction", 0.0, 1.0);
        if (fraction <= 0) throw ConfigChecks.bad(p + ".fraction", fraction, "must be in (0, 1]");
        return new SubsetRule(mode, perClass, fraction, c.getLong(p + ".seed"));
    }

    public boolean isNone() { return mode.equals("none"); }

    /** The kept items of one class; {@code sorted} must be in sorted path order. */
    public <T> List<T> select(List<T> sorted, String className) {
        int n = sorted.size();
        switch (mode) {
            case "none": return sorted;
            case "first-n": return new ArrayList<>(sorted.subList(0, Math.min(perClass, n)));
            case "fraction": {
                if (n == 0) return sorted;
                int k = (int) Math.max(1, Math.min(n, Math.round(fraction * n)));
                return new ArrayList<>(sorted.subList(0, k));
            }
            case "random-n": {
                if (n <= perClass) return sorted;
                // Partial Fisher-Yates over indices, then back to sorted order.
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) idx[i] = i;
                SplittableRandom r = new SplittableRandom(classSeed(className));
                for (int i = 0; i < perClass; i++) {
                    int j = i + r.nextInt(n - i);
                    int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
                }
                int[] keep = java.util.Arrays.copyOf(idx, perClass);
                java.util.Arrays.sort(keep);
                List<T> out = new ArrayList<>(perClass);
                for (int i : keep) out.add(sorted.get(i));
                return out;
            }
            default: throw new IllegalStateException("subset mode " + mode);
        }
    }

    private long classSeed(String className) {
        long h = 1125899906842597L;
        for (byte b : className.getBytes(StandardCharsets.UTF_8)) h = 31 * h + b;
        return seed * 0x9E3779B97F4A7C15L ^ h;
    }

    /** For _manifest.json. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode);
        switch (mode) {
            case "first-n": m.put("per_class", perClass); m.put("order", "sorted path"); break;
            case "fraction": m.put("fraction", fraction); m.put("order", "sorted path"); break;
            case "random-n": m.put("per_class", perClass); m.put("seed", seed); break;
            default: break;
        }
        return m;
    }

    @Override public String toString() {
        switch (mode) {
            case "first-n": return "first " + perClass + " per class";
            case "fraction": return "first " + fraction + " of each class";
            case "random-n": return perClass + " random per class (seed " + seed + ")";
            default: return "all images";
        }
    }
}
