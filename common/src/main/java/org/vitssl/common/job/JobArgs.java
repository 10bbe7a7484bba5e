package org.vitssl.common.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Command-line grammar shared by every job:
 * <pre>
 *   JOB [-c file.conf] [key=value ...] [--key value | --flag ...] [positional ...] [--help]
 * </pre>
 * {@code key} may omit the leading {@code vitssl.}. {@code --key value} is shorthand for
 * {@code <configSection>.key=value}; {@code --flag} alone (next token absent or another option) sets
 * a boolean key to true. Which keys exist is checked later against reference.conf.
 */
public final class JobArgs {
    public final String configFile;
    public final List<String> overrides;
    public final List<String> positional;
    public final boolean help;

    private JobArgs(String configFile, List<String> overrides, List<String> positional, boolean help) {
        this.configFile = configFile;
        this.overrides = overrides;
        this.positional = positional;
        this.help = help;
    }

    public static JobArgs parse(String[] args, String configSection) {
        return parse(args, configSection, ConfigFactory.defaultReference());
    }

    public static JobArgs parse(String[] args, String configSection, Config reference) {
        String file = null;
        boolean help = false;
        List<String> overrides = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                help = true;
            } else if (a.equals("-c") || a.equals("--config")) {
                if (i + 1 >= args.length) throw new ConfigException.BadValue(a, "-c needs a file name");
                // One file per job: silently keeping only the last one would drop the first file's settings.
                if (file != null) {
                    throw new ConfigException.BadValue(a, "only one configuration file per job, got " + file + " and "
                            + args[i + 1] + "; put include \"" + file + "\" at the top of " + args[i + 1] + " instead");
                }
                file = args[++i];
            } else if (a.startsWith("-D") && a.contains("=")) {
                String kv = a.substring(2);
                overrides.add(kv);
            } else if (a.startsWith("--")) {
                String key = a.substring(2);
                String value;
                int eq = key.indexOf('=');
                String path = configSection + "." + (eq > 0 ? key.substring(0, eq) : key);
                boolean isBoolean = reference.hasPath(path)
                        && reference.getValue(path).valueType() == com.typesafe.config.ConfigValueType.BOOLEAN;
                if (eq > 0) {
                    value = key.substring(eq + 1);
                } else if (isBoolean && (i + 1 >= args.length || !isBooleanWord(args[i + 1]))) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new ConfigException.BadValue(path, "option " + a + " needs a value");
                }
                overrides.add(path + "=" + value);
            } else if (a.contains("=") && !a.startsWith("=")) {
                overrides.add(a);
            } else {
                positional.add(a);
            }
        }
        return new JobArgs(file, overrides, positional, help);
    }

    private static boolean isBooleanWord(String s) {
        return s.equals("true") || s.equals("false");
    }
}
