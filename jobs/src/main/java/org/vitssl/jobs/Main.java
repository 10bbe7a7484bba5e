package org.vitssl.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.vitssl.common.config.VitsslConfig;
import org.vitssl.common.job.JobArgs;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The single entry point of {@code bin/vitssl} and of the spark-submit jar:
 * {@code vitssl JOB [-c file.conf] [key=value ...] [--help]}. Jobs are discovered with ServiceLoader.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        int rc = run(args, System.out, System.err);
        System.exit(rc);
    }

    /** Runs a job in this JVM; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // A benchmark runs without instantiating the other jobs (whose static state pulls in Spark's SQL types), so
        // it also runs from the trimmed classpath of the GPU kit (pretrain/bench/gpu).
        Map<String, VitsslJob> jobs = args.length > 0 && args[0].equals("bench") ? Map.of("bench", new BenchJob()) : discover();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printJobList(jobs, out);
            return 0;
        }
        VitsslJob job = jobs.get(args[0]);
        if (job == null) {
            err.println("vitssl: unknown job '" + args[0] + "'");
            printJobList(jobs, err);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Config config;
        JobArgs parsed;
        try {
            parsed = JobArgs.parse(rest, job.configSection());
            if (parsed.help) {
                out.println("vitssl " + job.name() + ": " + job.summary());
                out.println();
                out.println(job.help());
                out.println();
                out.println("Usage: vitssl " + job.name() + " [-c file.conf] [key=value ...] [--key value ...]");
                out.println("Keys of " + job.configSection() + " are documented in reference.conf (see README).");
                return 0;
            }
            config = VitsslConfig.load(parsed.configFile, parsed.overrides, job.defaultsResource(),
                    Thread.currentThread().getContextClassLoader());
            job.validate(config);
        } catch (ConfigException e) {
            err.println("vitssl " + job.name() + ": configuration error: " + e.getMessage());
            return 2;
        }
        out.println("vitssl " + job.name() + ": resolved configuration");
        out.println(VitsslConfig.renderResolved(config.withOnlyPath(job.configSection()).withFallback(
                config.withOnlyPath("vitssl.spark"))));
        try {
            return job.run(new JobContext(config, parsed.positional, out));
        } catch (ConfigException e) {
            err.println("vitssl " + job.name() + ": configuration error: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("vitssl " + job.name() + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /** Every registered job by name (the demo chains them). */
    public static Map<String, VitsslJob> discoverJobs() {
        return discover();
    }

    static Map<String, VitsslJob> discover() {
        Map<String, VitsslJob> jobs = new TreeMap<>();
        for (VitsslJob j : ServiceLoader.load(VitsslJob.class)) {
            VitsslJob prev = jobs.put(j.name(), j);
            if (prev != null) throw new IllegalStateException("two jobs named " + j.name());
        }
        return jobs;
    }

    private static void printJobList(Map<String, VitsslJob> jobs, PrintStream out) {
        out.println("vitssl: self-supervised ViT pretraining and evaluation on Spark");
        out.println();
        out.println("Usage: vitssl JOB [-c file.conf] [key=value ...] [--help]");
        out.println();
        out.println("Jobs:");
        for (VitsslJob j : jobs.values()) {
            out.printf("  %-22s %s%n", j.name(), j.summary());
        }
    }
}
