package org.vitssl.common.job;

import com.typesafe.config.Config;

/**
 * One user-facing job ({@code bin/vitssl NAME ...} or {@code spark-submit vitssl-app.jar NAME ...}).
 * Modules register theirs in {@code META-INF/services/org.vitssl.common.job.VitsslJob}; the launcher
 * finds them with {@link java.util.ServiceLoader}, so adding a job never edits the jobs module.
 */
public interface VitsslJob {
    /** The command name, e.g. {@code ingest}. */
    String name();

    /** One line for the job list. */
    String summary();

    /** The longer text for {@code JOB --help}: what it reads, what it writes, the keys it uses. */
    String help();

    /**
     * The config section whose keys may be given as {@code --key value} flags
     * (e.g. {@code vitssl.ingest} makes {@code --subset.per-class 260} mean {@code vitssl.ingest.subset.per-class=260}).
     */
    String configSection();

    /**
     * A classpath resource (HOCON) layered between reference.conf and the user's settings: the job's own
     * defaults for keys of other sections (the demo's small model, for example). Null for none.
     */
    default String defaultsResource() { return null; }

    /** Validates everything it needs from {@code config} before any work; throws on bad values. */
    default void validate(Config config) {}

    /** Runs the job; returns the process exit code. */
    int run(JobContext context) throws Exception;
}
