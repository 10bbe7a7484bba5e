package org.vitssl.evaluate.knn;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The {@code vitssl.knn} section, read and range-checked (messages name the key path). */
public final class KnnSettings {
    public static final String S = "vitssl.knn";

    public final String train;
    public final String test;
    public final String output;
    public final boolean overwrite;
    public final String checkpoint;
    public final int[] ks;
    public final double temperature;
    public final boolean predictions;
    public final KnnSearch.Options search;
    public final boolean lowShot;
    public final int[] lowShotPerClass;
    public final int lowShotK;
    public final int lowShotKSingle;
    public final int lowShotSubsets;

    private KnnSettings(Config c, boolean requirePaths) {
        train = requirePaths ? ConfigChecks.nonEmptyString(c, S + ".train") : c.getString(S + ".train");
        test = requirePaths ? ConfigChecks.nonEmptyString(c, S + ".test") : c.getString(S + ".test");
        output = requirePaths ? ConfigChecks.nonEmptyString(c, S + ".output") : c.getString(S + ".output");
        overwrite = c.getBoolean(S + ".overwrite");
        checkpoint = c.getString(S + ".checkpoint");
        ks = positiveSortedDistinct(c, S + ".ks");
        temperature = ConfigChecks.positiveDouble(c, S + ".temperature");
        predictions = c.getBoolean(S + ".predictions");
        int block = ConfigChecks.positiveInt(c, S + ".query-block-rows");
        int shard = ConfigChecks.positiveInt(c, S + ".shard-rows");
        long cells = (long) block * shard;
        if (cells > Integer.MAX_VALUE) {
            throw ConfigChecks.bad(S + ".query-block-rows", block, "query-block-rows x shard-rows = " + cells
                    + " exceeds one similarity matrix's limit of " + Integer.MAX_VALUE + " cells");
        }
        int parts = ConfigChecks.nonNegativeInt(c, S + ".bank-partitions");
        int threads = ConfigChecks.nonNegativeInt(c, S + ".torch-threads");
        String device = ConfigChecks.oneOf(c, S + ".device", Set.of("auto", "cpu", "gpu"));
        String backend = ConfigChecks.oneOf(c, S + ".backend", Set.of("auto", "blas", "torch"));
        search = new KnnSearch.Options(ks[ks.length - 1], block, shard, parts, threads, device, backend);
        lowShot = c.getBoolean(S + ".low-shot.enabled");
        lowShotPerClass = positiveSortedDistinct(c, S + ".low-shot.per-class");
        lowShotK = ConfigChecks.positiveInt(c, S + ".low-shot.k");
        lowShotKSingle = ConfigChecks.positiveInt(c, S + ".low-shot.k-single");
        lowShotSubsets = ConfigChecks.positiveInt(c, S + ".low-shot.subsets");
    }

    /** For the job: train, test and output must be set. */
    public static KnnSettings fromConfig(Config c) {
        return new KnnSettings(c, true);
    }

    /** For the benchmark and library use: paths may be empty. */
    public static KnnSettings searchOnly(Config c) {
        return new KnnSettings(c, false);
    }

    static int[] positiveSortedDistinct(Config c, String path) {
        List<Integer> l = c.getIntList(path);
        if (l.isEmpty()) throw ConfigChecks.bad(path, l, "must list at least one value");
        int[] v = l.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        if (v[0] < 1) throw ConfigChecks.bad(path, l, "values must be >= 1");
        return v;
    }

    @Override public String toString() {
        return "ks=" + Arrays.toString(ks) + " T=" + temperature;
    }
}
