package org.vitssl.ingest;

import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

import java.util.Set;

/** One split's input: {@code vitssl.ingest.train} or {@code vitssl.ingest.val}. */
public final class SplitSettings {
    public static final Set<String> FORMATS = Set.of("image-folder", "imagenet-val", "idx", "cifar10");

    public final String name;
    public final String key;
    public final String format;
    public final String path;
    public final String groundTruth;
    public final String labels;

    SplitSettings(String name, String key, String format, String path, String groundTruth, String labels) {
        this.name = name;
        this.key = key;
        this.format = format;
        this.path = path;
        this.groundTruth = groundTruth;
        this.labels = labels;
    }

    static SplitSettings fromConfig(Config c, String name) {
        String k = IngestSettings.SECTION + "." + name;
        String format = ConfigChecks.oneOf(c, k + ".format", FORMATS);
        String path = c.getString(k + ".path").trim();
        String gt = c.getString(k + ".ground-truth").trim();
        String labels = c.getString(k + ".labels").trim();
        if (!path.isEmpty()) {
            if (format.equals("idx") && labels.isEmpty()) {
                throw ConfigChecks.bad(k + ".labels", "\"\"", "an idx split needs its labels file");
            }
            if (!format.equals("idx") && !labels.isEmpty()) {
                throw ConfigChecks.bad(k + ".labels", labels, "is only read for format idx, not " + format);
            }
            if (!format.equals("imagenet-val") && !gt.isEmpty()) {
                throw ConfigChecks.bad(k + ".ground-truth", gt, "is only read for format imagenet-val, not " + format);
            }
        }
        return new SplitSettings(name, k, format, path, gt, labels);
    }

    public boolean enabled() { return !path.isEmpty(); }

    public boolean isRecords() { return format.equals("idx") || format.equals("cifar10"); }
}
