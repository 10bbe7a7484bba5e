package org.vitssl.pretrain.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Test helpers: fixture JSON (written by src/test/python) and plain named DJL parameters. */
public final class Fixtures {
    private Fixtures() {}

    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) throw new IllegalStateException("missing fixture " + name);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return (Map<String, Object>) ConfigFactory.parseString(text,
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)).root().unwrapped();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(Object list) {
        List<?> l = (List<?>) list;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).doubleValue();
        return d;
    }

    public static float[] floats(Object list) {
        double[] d = doubles(list);
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) d[i];
        return f;
    }

    public static long[] longs(Object list) {
        double[] d = doubles(list);
        long[] f = new long[d.length];
        for (int i = 0; i < f.length; i++) f[i] = (long) d[i];
        return f;
    }

    /** A trainable parameter named {@code name} holding {@code values}. */
    public static Parameter param(NDManager m, String name, Shape shape, float[] values) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        NDArray a = m.create(values, shape);
        a.setRequiresGradient(true);
        p.setArray(a);
        return p;
    }
}
