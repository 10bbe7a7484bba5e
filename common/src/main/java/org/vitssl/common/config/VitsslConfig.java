package org.vitssl.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads the vitssl configuration: every module's {@code reference.conf} (the documented defaults),
 * overlaid by a user file ({@code -c file.conf}), overlaid by {@code key=value} overrides and {@code -D}
 * system properties, in increasing priority.
 *
 * <p>Validation happens here, before any work: a key under {@code vitssl.} that no reference.conf
 * declares (a typo) or a value whose type differs from the default's is rejected with the key path
 * and the bad value. Range checks belong to each module's settings class ({@link ConfigChecks}).
 */
public final class VitsslConfig {
    public static final String ROOT = "vitssl";

    private VitsslConfig() {}

    /** Loads and validates; {@code file} may be null, {@code overrides} are {@code key=value} strings. */
    public static Config load(String file, List<String> overrides) {
        return load(file, overrides, Thread.currentThread().getContextClassLoader());
    }

    public static Config load(String file, List<String> overrides, ClassLoader loader) {
        return load(file, overrides, null, loader);
    }

    /**
     * As {@link #load(String, List)}, with a job's defaults resource (HOCON on the classpath) layered
     * between reference.conf and the user's file; its keys are validated like the user's.
     */
    public static Config load(String file, List<String> overrides, String defaultsResource, ClassLoader loader) {
        Config reference = ConfigFactory.defaultReference(loader);
        if (defaultsResource != null) {
            Config defaults = ConfigFactory.parseResources(loader, defaultsResource,
                    ConfigParseOptions.defaults().setAllowMissing(false));
            validateKnownKeys(defaults.withFallback(reference).resolve(), reference.resolve(), defaults);
            reference = defaults.withFallback(reference);
        }
        Config user = ConfigFactory.empty();
        if (file != null) {
            File f = new File(file);
            if (!f.isFile()) {
                throw new ConfigException.BadValue("-c", "configuration file not found: " + f.getAbsolutePath());
            }
            user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
        }
        Config over = parseOverrides(overrides);
        Config sys = ConfigFactory.systemProperties().withOnlyPath(ROOT);
        Config sysVitssl = sys.hasPath(ROOT) ? sys : ConfigFactory.empty();
        Config unresolvedUser = sysVitssl.withFallback(over).withFallback(user);
        Config merged = unresolvedUser.withFallback(reference)
                .resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
        Config resolvedUser = unresolvedUser.withFallback(reference).resolve();
        validateKnownKeys(resolvedUser, reference.resolve(), unresolvedUser);
        return merged;
    }

    /** Parses {@code a.b=c} strings as HOCON so that numbers, booleans and lists keep their types. */
    public static Config parseOverrides(List<String> overrides) {
        Config c = ConfigFactory.empty();
        if (overrides == null) return c;
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException.BadValue(kv, "an override must look like key=value, got '" + kv + "'");
            }
            String key = kv.substring(0, eq).trim();
            if (!key.startsWith(ROOT + ".")) key = ROOT + "." + key;
            String value = kv.substring(eq + 1).trim();
            Config one;
            try {
                one = ConfigFactory.parseString(key + " = " + value);
            } catch (ConfigException e) {
                // A bare string that HOCON cannot parse unquoted (a URI with ':' for example).
                one = ConfigFactory.parseString(key + " = " + ConfigValueQuoting.quote(value));
            }
            c = one.withFallback(c);
        }
        return c;
    }

    /** Every leaf the user set under vitssl must exist in the reference with a compatible type. */
    static void validateKnownKeys(Config merged, Config reference, Config userOnly) {
        if (!userOnly.hasPath(ROOT)) return;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : userOnly.getConfig(ROOT).entrySet()) {
            String path = ROOT + "." + e.getKey();
            if (isFreeForm(path)) continue;
            if (!reference.hasPathOrNull(path)) {
                problems.add("unknown key " + path + " = " + render(e.getValue()) + suggestion(path, reference));
                continue;
            }
            ConfigValue ref = reference.getValue(path);
            ConfigValue got = merged.getValue(path);
            if (!compatible(ref, got)) {
                problems.add("wrong type for " + path + ": expected " + describe(ref.valueType())
                        + " like " + render(ref) + ", got " + render(got));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException.BadPath(problems.get(0).replaceFirst("^.*? (vitssl\\.[^ :]+).*", "$1"),
                    String.join("; ", problems));
        }
    }

    /** Paths under these prefixes are maps whose keys the user chooses (Spark settings, for example). */
    private static boolean isFreeForm(String path) {
        return path.startsWith(ROOT + ".spark.conf.") || path.startsWith(ROOT + ".spark.executor-env.")
                || path.contains(".free.");
    }

    private static boolean compatible(ConfigValue ref, ConfigValue got) {
        ConfigValueType r = ref.valueType(), g = got.valueType();
        if (r == g || r == ConfigValueType.NULL || g == ConfigValueType.NULL) return true;
        Object raw = got.unwrapped();
        switch (r) {
            case NUMBER:
                if (g == ConfigValueType.STRING) {
                    try { Double.parseDouble((String) raw); return true; } catch (NumberFormatException e) { return false; }
                }
                return false;
            case BOOLEAN:
                return g == ConfigValueType.STRING && ("true,false,yes,no,on,off".contains(((String) raw).toLowerCase()));
            case STRING:
                return g == ConfigValueType.NUMBER || g == ConfigValueType.BOOLEAN;
            default:
                return false;
        }
    }

    private static String describe(ConfigValueType t) {
        switch (t) {
            case NUMBER: return "a number";
            case BOOLEAN: return "a boolean";
            case STRING: return "a string";
            case LIST: return "a list";
            case OBJECT: return "an object";
            default: return t.name().toLowerCase();
        }
    }

    private static String suggestion(String path, Config reference) {
        int dot = path.lastIndexOf('.');
        String parent = path.substring(0, dot), leaf = path.substring(dot + 1);
        if (!reference.hasPath(parent)) return " (no section " + parent + ")";
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : reference.getConfig(parent).root().keySet()) {
            int d = editDistance(k, leaf);
            if (d < bestD) { bestD = d; best = k; }
        }
        return best != null && bestD <= 3 ? " (did you mean " + parent + "." + best + "?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    static String render(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }

    /** The resolved vitssl tree as HOCON with comments naming where each value came from. */
    public static String renderResolved(Config config) {
        return config.withOnlyPath(ROOT).root().render(
                ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setFormatted(true).setJson(false));
    }
}
