package org.vitssl.jobs.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;

import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code vitssl demo}: the whole pipeline on one machine, each stage a real job on an embedded Spark:
 * ingest Fashion-MNIST -> pretrain a small ViT -> evaluate every epoch's checkpoint (embed, weighted
 * k-NN, linear probe) -> results table and plots. {@code --quick} trains on a per-class subset for a
 * few minutes. Every setting of every stage can be overridden (see {@code demo-defaults.conf}).
 */
public final class DemoJob implements VitsslJob {
    private static final String S = "vitssl.demo.";
    private final Function<String, VitsslJob> jobs;

    public DemoJob() {
        this(name -> org.vitssl.jobs.Main.discoverJobs().get(name));
    }

    DemoJob(Function<String, VitsslJob> jobs) {
        this.jobs = jobs;
    }

    @Override public String name() { return "demo"; }

    @Override public String summary() { return "end to end on Fashion-MNIST: ingest, pretrain, evaluate checkpoints, results"; }

    @Override public String help() {
        return String.join("\n",
                "Runs ingest -> pretrain -> evaluate-checkpoints under vitssl.demo.work-dir (default out/demo):",
                "  data/        Fashion-MNIST as images tables (train, val = the 10k test set)",
                "  run/         checkpoints (one per epoch), metrics.jsonl, plots of loss and teacher entropy",
                "  eval/        evaluation table (k-NN and linear probe per checkpoint), metrics.png",
                "Defaults: a DINO ViT (dim 128, depth 4, patch 7, 28 px globals, 14 px locals) for vitssl.pretrain.epochs",
                "epochs, sized for about 30 minutes on 2 CPU cores. --quick: demo.quick-per-class images per class",
                "and demo.quick-epochs epochs (a few minutes). Any key of any stage can be overridden, e.g.",
                "  bin/vitssl demo pretrain.method=ibot mask.method=block model.mask-token=true pretrain.epochs=8",
                "Needs /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist).");
    }

    @Override public String configSection() { return "vitssl.demo"; }

    @Override public String defaultsResource() { return "org/vitssl/jobs/demo-defaults.conf"; }

    @Override public void validate(Config c) {
        ConfigChecks.nonEmptyString(c, S + "work-dir");
        ConfigChecks.positiveInt(c, S + "quick-per-class");
        ConfigChecks.positiveInt(c, S + "quick-epochs");
    }

    @Override public int run(JobContext ctx) throws Exception {
        Config c = ctx.config();
        String work = new File(c.getString(S + "work-dir")).getAbsolutePath();
        boolean quick = c.getBoolean(S + "quick");
        String data = work + "/data", run = work + "/run", eval = work + "/eval";
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("vitssl.ingest.output", data);
        o.put("vitssl.pretrain.images", data + "/train");
        o.put("vitssl.pretrain.run-dir", run);
        o.put("vitssl.evaluate.checkpoints", run);
        o.put("vitssl.evaluate.train-images", data + "/train");
        o.put("vitssl.evaluate.test-images", data + "/val");
        o.put("vitssl.evaluate.output", eval);
        if (quick) {
            o.put("vitssl.ingest.subset.mode", "first-n");
            o.put("vitssl.ingest.subset.per-class", c.getInt(S + "quick-per-class"));
            o.put("vitssl.ingest.subset.splits", List.of("train", "val"));
            o.put("vitssl.pretrain.epochs", c.getInt(S + "quick-epochs"));
        }
        // The LR warm-up must end before a short run does (a one-epoch run has none).
        int epochs = quick ? c.getInt(S + "quick-epochs") : c.getInt("vitssl.pretrain.epochs");
        o.put("vitssl.pretrain.optimizer.warmup-epochs", Math.min(c.getInt("vitssl.pretrain.optimizer.warmup-epochs"), epochs - 1));
        Config cfg = ConfigFactory.parseMap(o).withFallback(c);
        long[] wall = new long[3];
        String[] stages = {"ingest", "pretrain", "evaluate-checkpoints"};
        VitsslJob[] chain = new VitsslJob[stages.length];
        for (int i = 0; i < stages.length; i++) {
            chain[i] = jobs.apply(stages[i]);
            if (chain[i] == null) throw new IllegalStateException("job " + stages[i] + " is not on the class path");
        }
        for (int i = 0; i < stages.length; i++) {
            if (i == 0 && !c.getBoolean(S + "reingest") && new File(data, "_manifest.json").isFile() && !quick) {
                ctx.out().println("demo: " + data + " exists; skipping ingest (demo.reingest=true redoes it)");
                continue;
            }
            ctx.out().println("\n==== demo stage " + (i + 1) + "/3: " + stages[i] + " ====");
            long t0 = System.nanoTime();
            VitsslJob job = chain[i];
            job.validate(cfg);
            int rc = job.run(new JobContext(cfg, List.of(), ctx.out()));
            wall[i] = System.nanoTime() - t0;
            if (rc != 0) {
                ctx.out().println("demo: stage " + stages[i] + " failed with exit code " + rc);
                return rc;
            }
            if (stages[i].equals("pretrain")) {
                for (String f : TrainingPlots.write(run, new org.apache.hadoop.conf.Configuration())) {
                    ctx.out().println("demo: wrote " + f);
                }
            }
        }
        ctx.out().println("\n==== demo finished ====");
        for (int i = 0; i < stages.length; i++) {
            ctx.out().printf(Locale.ROOT, "  %-22s %8.1f s%n", stages[i], wall[i] / 1e9);
        }
        ctx.out().println("  results table: " + Path.of(eval, "table.csv"));
        ctx.out().println("  metrics plot:  " + Path.of(eval, "metrics.png"));
        ctx.out().println("  training log:  " + Path.of(run, "metrics.jsonl") + " (plots: loss.png, entropy.png beside it)");
        return 0;
    }
}
