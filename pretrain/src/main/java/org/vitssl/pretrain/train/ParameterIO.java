package org.vitssl.pretrain.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Copies named arrays into named parameters (checkpoint load), refusing any mismatch with the keys listed. */
public final class ParameterIO {
    private ParameterIO() {}

    /** The parameters' arrays under their names (live arrays, not copies). */
    public static LinkedHashMap<String, NDArray> arrays(Map<String, Parameter> params) {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) out.put(e.getKey(), e.getValue().getArray());
        return out;
    }

    /** Names and shapes, one per line: compared on resume to refuse another architecture. */
    public static String fingerprint(Map<String, Parameter> params) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            b.append(e.getKey()).append(e.getValue().getArray().getShape()).append(';');
        }
        return b.toString();
    }

    /**
     * Loads {@code arrays} into {@code params} in place.
     *
     * @throws IllegalArgumentException naming every missing, unexpected and differently shaped key
     */
    public static void load(Map<String, Parameter> params, Map<String, NDArray> arrays, String what) {
        List<String> problems = new ArrayList<>();
        for (String k : new TreeSet<>(params.keySet())) {
            NDArray a = arrays.get(k);
            if (a == null) problems.add("missing " + k);
            else if (!a.getShape().equals(params.get(k).getArray().getShape())) {
                problems.add(k + " has shape " + a.getShape() + " in the checkpoint, " + params.get(k).getArray().getShape() + " in the model");
            }
        }
        for (String k : new TreeSet<>(arrays.keySet())) if (!params.containsKey(k)) problems.add("unexpected " + k);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(what + " does not match the model (another architecture?): "
                    + String.join("; ", problems));
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray target = e.getValue().getArray();
            NDArray src = arrays.get(e.getKey());
            NDArray typed = src.getDataType() == target.getDataType() ? src : src.toType(target.getDataType(), true);
            target.set(typed.toByteBuffer());
            if (typed != src) typed.close();
        }
    }

    static boolean isFloat(NDArray a) {
        return a.getDataType() == DataType.FLOAT32;
    }
}
