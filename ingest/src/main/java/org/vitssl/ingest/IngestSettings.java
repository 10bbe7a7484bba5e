package org.vitssl.ingest;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The validated {@code vitssl.ingest} section (see reference.conf for every key). */
public final class IngestSettings {
    public static final String SECTION = "vitssl.ingest";

    public final String output;
    public final boolean overwrite;
    public final String classIndex;
    public final List<String> classNames;
    public final List<SplitSettings> splits;
    public final SubsetRule subset;
    public final Set<String> subsetSplits;
    public final Processing processing;
    public final double maxErrorFraction;
    public final long shardBytes;
    public final long shuffleSeed;
    public final String compression;
    public final int filesPerTask;
    public final int recordsPerTask;
    public final int errorsShown;

    private IngestSettings(Config c) {
        String s = SECTION;
        output = ConfigChecks.nonEmptyString(c, s + ".output").trim();
        overwrite = c.getBoolean(s + ".overwrite");
        classIndex = c.getString(s + ".class-index").trim();
        classNames = c.getStringList(s + ".class-names");
        splits = new ArrayList<>();
        for (String name : List.of("train", "val")) {
            SplitSettings sp = SplitSettings.fromConfig(c, name);
            if (sp.enabled()) splits.add(sp);
        }
        if (splits.isEmpty()) {
            throw ConfigChecks.bad(s + ".train.path", "\"\"", "no input: set " + s + ".train.path and/or " + s + ".val.path");
        }
        subset = SubsetRule.fromConfig(c, s + ".subset");
        subsetSplits = Set.copyOf(c.getStringList(s + ".subset.splits"));
        for (String sp : subsetSplits) {
            if (!sp.equals("train") && !sp.equals("val")) {
                throw ConfigChecks.bad(s + ".subset.splits", subsetSplits, "names a split other than train/val: " + sp);
            }
        }
        boolean reencode = c.getBoolean(s + ".reencode.enabled");
        int shorter = ConfigChecks.intIn(c, s + ".reencode.shorter-side", 0, 65535);
        int quality = ConfigChecks.intIn(c, s + ".reencode.jpeg-quality", 1, 100);
        boolean upscale = c.getBoolean(s + ".reencode.upscale");
        long maxPixels = ConfigChecks.positiveLong(c, s + ".limits.max-pixels");
        long maxFileMb = ConfigChecks.positiveLong(c, s + ".limits.max-file-mb");
        if (maxFileMb > 2047) throw ConfigChecks.bad(s + ".limits.max-file-mb", maxFileMb, "must be at most 2047");
        if (shorter > 0 && !reencode) {
            throw ConfigChecks.bad(s + ".reencode.shorter-side", shorter, "resizing needs " + s + ".reencode.enabled = true");
        }
        processing = new Processing(reencode, shorter, quality, upscale, maxPixels, maxFileMb << 20);
        maxErrorFraction = ConfigChecks.probability(c, s + ".max-error-fraction");
        shardBytes = ConfigChecks.positiveLong(c, s + ".shard-size-mb") << 20;
        shuffleSeed = c.getLong(s + ".shuffle-seed");
        compression = ConfigChecks.oneOf(c, s + ".compression", Set.of("zstd", "snappy"));
        filesPerTask = ConfigChecks.positiveInt(c, s + ".files-per-task");
        recordsPerTask = ConfigChecks.positiveInt(c, s + ".records-per-task");
        errorsShown = ConfigChecks.nonNegativeInt(c, s + ".errors-shown");
        boolean hasTrain = splits.stream().anyMatch(x -> x.name.equals("train"));
        if (!hasTrain && classIndex.isEmpty()) {
            throw ConfigChecks.bad(s + ".class-index", "\"\"",
                    "a val split without a train split needs the train class index: set it to the train ingest output");
        }
    }

    public static IngestSettings fromConfig(Config c) { return new IngestSettings(c); }

    public SubsetRule subsetFor(String split) { return subsetSplits.contains(split) ? subset : SubsetRule.none(); }

    /** What each task needs to turn bytes into a row (serialised into tasks). */
    public static final class Processing implements Serializable {
        private static final long serialVersionUID = 1L;
        public final boolean reencode;
        public final int shorterSide;
        public final int jpegQuality;
        public final boolean upscale;
        public final long maxPixels;
        public final long maxFileBytes;

        public Processing(boolean reencode, int shorterSide, int jpegQuality, boolean upscale, long maxPixels, long maxFileBytes) {
            this.reencode = reencode;
            this.shorterSide = shorterSide;
            this.jpegQuality = jpegQuality;
            this.upscale = upscale;
            this.maxPixels = maxPixels;
            this.maxFileBytes = maxFileBytes;
        }
    }
}
