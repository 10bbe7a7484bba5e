package org.vitssl.jobs.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.conf.Configuration;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.evaluate.plot.LinePlot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PNG plots of a run's {@code metrics.jsonl}: every loss term against step ({@code loss.png}) and the
 * teacher-output entropy against ln K ({@code entropy.png}; a teacher collapsing to a uniform output
 * climbs to ln K, one collapsing to a single dimension falls to 0).
 */
public final class TrainingPlots {
    private TrainingPlots() {}

    /** Writes the plots beside the metrics; returns the files written. */
    public static List<String> write(String runDir, Configuration hadoop) {
        String path = runDir + "/metrics.jsonl";
        List<String> written = new ArrayList<>();
        if (!HadoopFiles.exists(path, hadoop)) return written;
        Map<String, TreeMap<Double, Double>> loss = new TreeMap<>(), entropy = new TreeMap<>();
        for (String line : HadoopFiles.readString(path, hadoop).split("\n")) {
            if (line.isBlank()) continue;
            Config r = ConfigFactory.parseString(line);
            double step = r.getDouble("step");
            for (String k : r.root().keySet()) {
                if (k.startsWith("loss")) loss.computeIfAbsent(k, n -> new TreeMap<>()).put(step, r.getDouble(k));
            }
            if (r.hasPath("teacher_entropy")) {
                entropy.computeIfAbsent("teacher entropy (mean per sample)", n -> new TreeMap<>()).put(step, r.getDouble("teacher_entropy"));
                entropy.computeIfAbsent("entropy of the batch-mean output", n -> new TreeMap<>()).put(step, r.getDouble("teacher_mean_entropy"));
                entropy.computeIfAbsent("ln K (uniform = collapsed)", n -> new TreeMap<>()).put(step, r.getDouble("ln_k"));
            }
        }
        if (plot("Training loss", "loss", loss, runDir + "/loss.png", hadoop)) written.add(runDir + "/loss.png");
        if (plot("Collapse monitor", "entropy (nats)", entropy, runDir + "/entropy.png", hadoop)) written.add(runDir + "/entropy.png");
        return written;
    }

    private static boolean plot(String title, String y, Map<String, TreeMap<Double, Double>> series, String out, Configuration hadoop) {
        if (series.isEmpty()) return false;
        LinePlot p = new LinePlot(title, "step", y);
        for (Map.Entry<String, TreeMap<Double, Double>> e : series.entrySet()) {
            p.series(e.getKey(), e.getValue());
        }
        p.writePng(out, hadoop);
        return true;
    }
}
