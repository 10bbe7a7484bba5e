package org.vitssl.pretrain.bench;

import ai.djl.Device;
import com.typesafe.config.Config;
import org.vitssl.common.config.ConfigChecks;

/**
 * Where the model benchmarks run ({@code vitssl.bench.device}): {@code cpu}, or {@code gpu} (the first CUDA device,
 * for the Java side and, as {@code cuda}, for the PyTorch counterpart). On a GPU each timed call ends by reading a
 * value back to the host, which waits for the queued kernels, so wall-clock times are complete on both sides.
 */
public record BenchDevice(String name) {
    public static final String KEY = "vitssl.bench.device";

    public static BenchDevice of(Config c) {
        String v = c.hasPath(KEY) ? c.getString(KEY) : "cpu";
        if (!v.equals("cpu") && !v.equals("gpu")) throw ConfigChecks.bad(KEY, v, "must be cpu or gpu");
        return new BenchDevice(v);
    }

    public Device djl() { return name.equals("gpu") ? Device.gpu(0) : Device.cpu(); }

    /** The counterpart's {@code --device} value. */
    public String torch() { return name.equals("gpu") ? "cuda" : "cpu"; }
}
