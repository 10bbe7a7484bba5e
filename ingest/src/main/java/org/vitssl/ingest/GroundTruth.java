package org.vitssl.ingest;

import java.util.HashMap;
import java.util.Map;

/**
 * ImageNet validation ground truth: either Kaggle's {@code LOC_val_solution.csv}
 * ({@code ImageId,PredictionString} where the first token of PredictionString is the class), or lines
 * {@code <file name> <class name>} separated by whitespace or a comma, the name with or without its
 * extension. Class names must be the train folder names (e.g. {@code n01440764}).
 */
final class GroundTruth {
    private GroundTruth() {}

    /** Maps file name (or name without extension) to class name. */
    static Map<String, String> parse(String text, String source) {
        Map<String, String> m = new HashMap<>();
        String[] lines = text.split("\r?\n");
        boolean loc = lines.length > 0 && lines[0].trim().toLowerCase().startsWith("imageid,predictionstring");
        for (int i = loc ? 1 : 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String file, cls;
            if (loc) {
                int comma = line.indexOf(',');
                if (comma <= 0) throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected ImageId,PredictionString");
                file = line.substring(0, comma).trim();
                String[] pred = line.substring(comma + 1).trim().split("\\s+");
                cls = pred[0];
            } else {
                String[] t = line.split("[\\s,]+");
                if (t.length < 2) throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected '<file> <class>', got '" + line + "'");
                file = t[0];
                cls = t[1];
            }
            if (cls.isEmpty()) throw new IllegalArgumentException(source + " line " + (i + 1) + ": no class");
            String prev = m.put(file, cls);
            if (prev != null && !prev.equals(cls)) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": " + file + " listed as " + prev + " and " + cls);
            }
        }
        return m;
    }

    /** The class of a file name, by exact name or by name without extension. */
    static String lookup(Map<String, String> gt, String fileName) {
        String c = gt.get(fileName);
        if (c != null) return c;
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? gt.get(fileName.substring(0, dot)) : null;
    }
}
