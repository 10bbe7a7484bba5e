package org.vitssl.common.job;

import com.typesafe.config.Config;

import java.io.PrintStream;
import java.util.List;

/** What a job gets from the launcher: the validated config, free arguments, and where to print. */
public final class JobContext {
    private final Config config;
    private final List<String> positional;
    private final PrintStream out;

    public JobContext(Config config, List<String> positional, PrintStream out) {
        this.config = config;
        this.positional = List.copyOf(positional);
        this.out = out;
    }

    public Config config() { return config; }

    /** Arguments that were neither options nor key=value overrides. */
    public List<String> positional() { return positional; }

    public PrintStream out() { return out; }
}
