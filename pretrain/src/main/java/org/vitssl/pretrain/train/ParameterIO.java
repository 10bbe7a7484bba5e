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

    /** The parameters' arrays followed by the buffers (live arrays), as {@code student.safetensors} holds them. */
    public static LinkedHashMap<String, NDArray> arrays(Map<String, Parameter> params, Map<String, NDArray> buffers) {
        LinkedHashMap<String, NDArray> out = arrays(params);
        for (Map.Entry<String, NDArray> e : buffers.entrySet()) {
            if (out.put(e.getKey(), e.getValue()) != null) throw new IllegalStateException("buffer " + e.getKey() + " shadows a parameter");
        }
        return out;
    }

    /**
     * Loads the {@code buffers} entries of {@code arrays} into the buffers in place and the rest into {@code params}
     * ({@link #load}); a missing or differently shaped buffer is refused by name.
     */
    public static void load(Map<String, Parameter> params, Map<String, NDArray> buffers, Map<String, NDArray> arrays, String what) {
        Map<String, NDArray> rest = new LinkedHashMap<>(arrays);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : buffers.entrySet()) {
            NDArray src = rest.remove(e.getKey());
            NDArray target = e.getValue();
            if (src == null) problems.add("missing buffer " + e.getKey());
            else if (!src.getShape().equals(target.getShape())) {
                problems.add(e.getKey() + " has shape " + src.getShape() + " in the checkpoint, " + target.getShape() + " in the model");
            } else {
                NDArray typed = src.getDataType() == target.getDataType() ? src : src.toType(target.getDataType(), true);
                target.set(typed.toByteBuffer());
                if (typed != src) typed.close();
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(what + " does not match the model (another architecture?): " + String.join("; ", problems));
        }
        load(params, rest, what);
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
