package org.vitssl.ingest;

import com.typesafe.config.Config;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.common.io.AtomicOutput;
import org.vitssl.common.io.HadoopFiles;
import org.vitssl.common.io.Json;
import org.vitssl.common.io.ResolvedConfigFile;
import org.vitssl.common.job.JobContext;
import org.vitssl.common.job.VitsslJob;
import org.vitssl.common.spark.SparkSessions;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code vitssl ingest}: image dataset (ImageFolder, ImageNet val, IDX, CIFAR-10) to the images table.
 * See {@code ingest/README.md} and the keys in {@code reference.conf}.
 */
public final class IngestJob implements VitsslJob {
    /** Exit code when a split's error fraction passes {@code max-error-fraction} (nothing is committed). */
    public static final int EXIT_TOO_MANY_ERRORS = 3;
    public static final String MANIFEST = "_manifest.json";
    public static final String ERRORS = "_errors";

    @Override public String name() { return "ingest"; }

    @Override public String summary() { return "shard an image dataset (ImageFolder, ImageNet val, IDX, CIFAR-10) into Parquet"; }

    @Override public String help() {
        return String.join("\n",
                "Reads the train and/or val split (vitssl.ingest.train / .val: format, path) and writes",
                "  <output>/<split>/part-*.parquet  image_id, label, class_name, width, height, format, bytes",
                "  <output>/classes                 label, class_name (sorted class names for folders)",
                "  <output>/_errors/<split>         path, image_id, reason, detail of quarantined files",
                "  <output>/_manifest.json          counts, subset rule, settings, time",
                "Formats: image-folder, imagenet-val (flat + ground-truth, or class folders), idx, cifar10.",
                "Subsets: subset.mode = none | first-n | fraction | random-n (subset.per-class, .fraction, .seed).",
                "Errors: zero-bytes, not-an-image, unsupported-format, truncated, too-large, corrupt, unlabeled;",
                "exit code 3 (nothing written) when quarantined/seen > max-error-fraction in a split.",
                "Example: vitssl ingest --train.path /data/imagenet/train --output /data/in1k --subset.mode first-n",
                "         --subset.per-class 260");
    }

    @Override public String configSection() { return IngestSettings.SECTION; }

    @Override public void validate(Config config) { IngestSettings.fromConfig(config); }

    /** A split ready to read: its rows are produced lazily by Spark. */
    private static final class Planned {
        final SplitSettings split;
        final Supplier<JavaRDD<Row>> rows;
        final Map<String, Object> info = new LinkedHashMap<>();

        Planned(SplitSettings split, Supplier<JavaRDD<Row>> rows) {
            this.split = split;
            this.rows = rows;
        }
    }

    @Override public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        IngestSettings s = IngestSettings.fromConfig(config);
        PrintStream out = ctx.out();
        long t0 = System.nanoTime();
        SparkSession spark = SparkSessions.getOrCreate(config, name());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        SerializableHadoopConf sconf = new SerializableHadoopConf(hconf);

        // Plan every split before writing anything: listings, label scans, class index checks.
        ClassIndex index = s.classIndex.isEmpty() ? null : ClassIndex.read(spark, s.classIndex);
        List<Planned> plans = new ArrayList<>();
        for (SplitSettings sp : s.splits) { // train first, so val sees its index
            Planned p = plan(jsc, sconf, hconf, s, sp, index);
            index = (ClassIndex) p.info.remove("_index");
            plans.add(p);
        }

        AtomicOutput ao = AtomicOutput.begin(s.output, s.overwrite, hconf);
        boolean committed = false;
        try {
            String tmp = ao.tempPath();
            Map<String, Object> splitsInfo = new LinkedHashMap<>();
            List<String> failures = new ArrayList<>();
            for (Planned p : plans) {
                Map<String, Object> info = writeSplit(spark, s, p, tmp, out);
                splitsInfo.put(p.split.name, info);
                long seen = (Long) info.get("seen"), bad = (Long) info.get("quarantined"), good = (Long) info.get("written");
                double frac = seen == 0 ? 1.0 : (double) bad / seen;
                if (good == 0) failures.add(p.split.name + ": no image could be read");
                else if (frac > s.maxErrorFraction) {
                    failures.add(String.format("%s: %d of %d files quarantined (%.4f) > max-error-fraction %s",
                            p.split.name, bad, seen, frac, s.maxErrorFraction));
                }
            }
            if (!failures.isEmpty()) {
                ao.abort();
                for (String f : failures) out.println("ingest FAILED " + f);
                out.println("ingest: nothing written to " + ao.targetPath() + " (previous output, if any, untouched)");
                return EXIT_TOO_MANY_ERRORS;
            }
            index.write(spark, tmp);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("created_at", Instant.now().toString());
            manifest.put("duration_s", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
            manifest.put("output", ao.targetPath());
            manifest.put("classes", index.size());
            Map<String, Object> subset = new LinkedHashMap<>(s.subset.describe());
            subset.put("splits", new ArrayList<>(new TreeSet<>(s.subsetSplits)));
            manifest.put("subset", subset);
            Map<String, Object> re = new LinkedHashMap<>();
            re.put("enabled", s.processing.reencode);
            re.put("shorter_side", s.processing.shorterSide);
            re.put("jpeg_quality", s.processing.jpegQuality);
            manifest.put("reencode", re);
            manifest.put("shuffle_seed", s.shuffleSeed);
            manifest.put("compression", s.compression);
            manifest.put("splits", splitsInfo);
            manifest.put("config", config.getConfig(IngestSettings.SECTION).root().unwrapped());
            HadoopFiles.writeString(tmp + "/" + MANIFEST, Json.render(manifest, true), hconf);
            ResolvedConfigFile.writeInto(tmp, config, hconf);
            ao.commit();
            committed = true;
            out.printf("ingest: wrote %s (%d classes, %.1f s)%n", ao.targetPath(), index.size(), (System.nanoTime() - t0) / 1e9);
            return 0;
        } finally {
            if (!committed) ao.abort();
        }
    }

    private Planned plan(JavaSparkContext jsc, SerializableHadoopConf sconf, Configuration hconf, IngestSettings s,
                         SplitSettings sp, ClassIndex given) throws IOException {
        Path root = new Path(sp.path);
        FileSystem fs = root.getFileSystem(hconf);
        SubsetRule rule = s.subsetFor(sp.name);
        Planned planned;
        ClassIndex index = given;
        if (sp.isRecords()) {
            List<RecordInputs.RecordFile> files;
            if (sp.format.equals("idx")) {
                requireFile(fs, sp.path, sp.key + ".path");
                requireFile(fs, sp.labels, sp.key + ".labels");
                files = List.of(RecordInputs.idx(fs, sp.path, sp.labels));
            } else {
                files = RecordInputs.cifar(fs, sp.path);
                if (files.isEmpty()) throw ConfigChecks.bad(sp.key + ".path", sp.path, "matches no CIFAR-10 batch file");
            }
            RecordInputs.scanLabels(jsc, sconf, files, sp.labels);
            if (index == null) index = recordIndex(s, fs, files, sp);
            List<RecordInputs.Task> tasks = RecordInputs.plan(files, index, rule, s.recordsPerTask);
            ClassIndex idx = index;
            planned = new Planned(sp, () -> RecordInputs.rows(jsc, sconf, tasks, idx, s.processing));
            List<String> names = new ArrayList<>();
            for (RecordInputs.RecordFile f : files) names.add(f.path);
            planned.info.put("files", names);
        } else {
            if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
                throw ConfigChecks.bad(sp.key + ".path", sp.path, "is not an existing directory");
            }
            if (sp.format.equals("imagenet-val") && !sp.groundTruth.isEmpty()) {
                requireFile(fs, sp.groundTruth, sp.key + ".ground-truth");
                Map<String, String> gt = GroundTruth.parse(HadoopFiles.readString(sp.groundTruth, hconf), sp.groundTruth);
                if (index == null) index = ClassIndex.ofSortedNames(new TreeSet<>(gt.values()));
                List<FileInputs.Entry> entries = flatEntries(fs, root, gt, index, sp);
                Map<String, List<FileInputs.Entry>> byClass = new TreeMap<>();
                List<FileInputs.Entry> all = new ArrayList<>();
                for (FileInputs.Entry e : entries) {
                    if (e.label < 0) all.add(e);
                    else byClass.computeIfAbsent(e.className, k -> new ArrayList<>()).add(e);
                }
                for (Map.Entry<String, List<FileInputs.Entry>> c : byClass.entrySet()) all.addAll(rule.select(c.getValue(), c.getKey()));
                int perTask = s.filesPerTask;
                planned = new Planned(sp, () -> FileInputs.entries(jsc, sconf, all, perTask, s.processing));
                planned.info.put("ground_truth", sp.groundTruth);
                planned.info.put("ground_truth_entries", gt.size());
            } else {
                List<String> classes = FileInputs.classDirectories(fs, root);
                if (classes.isEmpty()) throw ConfigChecks.bad(sp.key + ".path", sp.path, "has no class sub-directories");
                if (index == null) index = ClassIndex.ofSortedNames(classes);
                List<String> unknown = new ArrayList<>();
                for (String c : classes) if (index.label(c) < 0) unknown.add(c);
                if (!unknown.isEmpty()) {
                    throw new IllegalArgumentException(sp.name + " split " + sp.path + " has " + unknown.size()
                            + " class directories missing from the train class index, e.g. " + unknown.subList(0, Math.min(5, unknown.size())));
                }
                ClassIndex idx = index;
                planned = new Planned(sp, () -> FileInputs.classFolders(jsc, sconf, sp.path, classes, idx, rule, s.processing));
                planned.info.put("class_directories", classes.size());
            }
        }
        planned.info.put("_index", index);
        return planned;
    }

    private static void requireFile(FileSystem fs, String path, String key) throws IOException {
        Path p = new Path(path);
        if (!fs.exists(p) || !fs.getFileStatus(p).isFile()) throw ConfigChecks.bad(key, path, "is not an existing file");
    }

    /** Record formats keep their numeric labels; names from class-names, CIFAR's batches.meta.txt, or the numbers. */
    private static ClassIndex recordIndex(IngestSettings s, FileSystem fs, List<RecordInputs.RecordFile> files, SplitSettings sp)
            throws IOException {
        int max = -1;
        for (RecordInputs.RecordFile f : files) for (int l : f.labels) max = Math.max(max, l);
        List<String> names = new ArrayList<>(s.classNames);
        if (names.isEmpty() && files.get(0).cifar) {
            Path meta = new Path(new Path(files.get(0).path).getParent(), "batches.meta.txt");
            if (fs.exists(meta)) {
                for (String line : HadoopFiles.readString(meta.toString(), fs.getConf()).split("\n")) {
                    if (!line.isBlank()) names.add(line.trim());
                }
            }
        }
        if (names.isEmpty()) for (int i = 0; i <= max; i++) names.add(Integer.toString(i));
        if (max >= names.size()) {
            throw ConfigChecks.bad(IngestSettings.SECTION + ".class-names", names,
                    "has " + names.size() + " names but " + sp.path + " has label " + max);
        }
        return new ClassIndex(names);
    }

    /** A flat validation folder: one directory listing on the driver, labels from the ground truth. */
    private static List<FileInputs.Entry> flatEntries(FileSystem fs, Path root, Map<String, String> gt, ClassIndex index,
                                                      SplitSettings sp) throws IOException {
        List<FileInputs.Entry> out = new ArrayList<>();
        Map<String, Integer> unknown = new TreeMap<>();
        for (FileStatus st : fs.listStatus(root)) {
            String name = st.getPath().getName();
            if (!st.isFile() || FileInputs.hidden(name)) continue;
            String cls = GroundTruth.lookup(gt, name);
            int label = cls == null ? -1 : index.label(cls);
            if (cls != null && label < 0) unknown.merge(cls, 1, Integer::sum);
            out.add(new FileInputs.Entry(name, st.getPath().toString(), st.getLen(), label, cls));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(sp.key + ".ground-truth names " + unknown.size()
                    + " classes that are not in the train class index, e.g. " + new ArrayList<>(unknown.keySet()).subList(0, Math.min(5, unknown.size())));
        }
        out.sort((a, b) -> a.relPath.compareTo(b.relPath));
        return out;
    }

    private Map<String, Object> writeSplit(SparkSession spark, IngestSettings s, Planned p, String tmp, PrintStream out) {
        String split = p.split.name;
        Dataset<Row> df = spark.createDataFrame(p.rows.get(), IngestRows.SCHEMA).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long good = 0, bad = 0, bytes = 0;
            Map<String, Long> reasons = new TreeMap<>();
            for (Row r : df.groupBy(col(IngestRows.REASON)).agg(count(lit(1)), sum(length(col(IngestRows.BYTES)))).collectAsList()) {
                long n = r.getLong(1);
                if (r.isNullAt(0)) {
                    good = n;
                    bytes = r.isNullAt(2) ? 0 : r.getLong(2);
                } else {
                    bad += n;
                    reasons.put(r.getString(0), n);
                }
            }
            int shards = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (bytes + s.shardBytes - 1) / s.shardBytes));
            if (good > 0) {
                df.filter(col(IngestRows.REASON).isNull())
                        .select(cols(IngestRows.IMAGE_COLUMNS))
                        .withColumn("_k", xxhash64(lit(s.shuffleSeed), col(IngestRows.IMAGE_ID)))
                        .repartition(shards, col("_k"))
                        .sortWithinPartitions("_k")
                        .drop("_k")
                        .write().option("compression", s.compression).parquet(tmp + "/" + split);
            }
            Dataset<Row> errors = df.filter(col(IngestRows.REASON).isNotNull()).select(cols(IngestRows.ERROR_COLUMNS));
            errors.orderBy(IngestRows.PATH).coalesce(1).write().option("compression", s.compression)
                    .parquet(tmp + "/" + ERRORS + "/" + split);
            long seen = good + bad;
            StringBuilder why = new StringBuilder();
            reasons.forEach((k, v) -> why.append(why.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
            out.printf("ingest %s: seen %d = written %d + quarantined %d%s; %d shard(s), %.1f MiB of images%n",
                    split, seen, good, bad, bad > 0 ? " (" + why + ")" : "", good > 0 ? shards : 0, bytes / 1048576.0);
            if (bad > 0 && s.errorsShown > 0) {
                for (Row r : errors.orderBy(IngestRows.PATH).limit(s.errorsShown).collectAsList()) {
                    out.printf("  quarantined %s: %s (%s)%n", r.getString(0), r.getString(2), r.getString(3));
                }
                if (bad > s.errorsShown) out.printf("  ... %d more in %s/%s%n", bad - s.errorsShown, ERRORS, split);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("format", p.split.format);
            info.put("path", p.split.path);
            info.putAll(p.info);
            info.put("seen", seen);
            info.put("written", good);
            info.put("quarantined", bad);
            info.put("errors", new HashMap<>(reasons));
            info.put("shards", good > 0 ? shards : 0);
            info.put("image_bytes", bytes);
            info.put("subset_applied", !s.subsetFor(split).isNone());
            return info;
        } finally {
            df.unpersist();
        }
    }

    private static org.apache.spark.sql.Column[] cols(String[] names) {
        org.apache.spark.sql.Column[] c = new org.apache.spark.sql.Column[names.length];
        for (int i = 0; i < names.length; i++) c[i] = col(names[i]);
        return c;
    }
}
