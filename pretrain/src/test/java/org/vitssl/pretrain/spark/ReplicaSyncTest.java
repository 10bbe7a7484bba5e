package org.vitssl.pretrain.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.vitssl.pretrain.optim.Gradients;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The gradients {@link ReplicaSync#averageGradients} writes back must live in libtorch's memory: the two-executor
 * stage went NaN (or glibc aborted the executor) when they pointed at direct buffers that the garbage collector
 * freed between the all-reduce and the update or the next backward pass.
 */
class ReplicaSyncTest {
    static final int PARAMS = 4;
    static final int N = 3000; // 12 kB per gradient: malloc'd from an arena's bins (neither tcache nor mmap)

    @Test
    void averagedGradientsSurviveACollectionAndTheReuseOfFreedNativeMemory() throws Exception {
        RingAllReduce.Listener l = RingAllReduce.listen(AllReduceSettings.loopback(Duration.ofSeconds(10)));
        try (RingAllReduce ring = l.connect(0, List.of(l.address()), 1L); NDManager base = NDManager.newBaseManager()) {
            ReplicaSync sync = new ReplicaSync(ring);
            LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
            for (int p = 0; p < PARAMS; p++) {
                Parameter par = Parameter.builder().setName("w" + p).setType(Parameter.Type.WEIGHT).build();
                NDArray a = base.zeros(new Shape(N));
                a.setRequiresGradient(true);
                par.setArray(a);
                params.put("w" + p, par);
            }
            for (int round = 0; round < 3; round++) {
                float[][] want = new float[PARAMS][N];
                for (int p = 0; p < PARAMS; p++) {
                    for (int i = 0; i < N; i++) want[p][i] = round + p + i * 1e-3f;
                }
                try (NDManager sm = base.newSubManager()) {
                    Gradients.zero(params);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray total = null;
                        int p = 0;
                        for (Parameter par : params.values()) {
                            NDArray term = par.getArray().mul(sm.create(want[p++])).sum();
                            total = total == null ? term : total.add(term);
                        }
                        gc.backward(total);
                    }
                }
                sync.averageGradients(params); // world 1: the mean is the gradient itself
                List<ByteBuffer> reused = collectAndReuse(N * 4);
                int p = 0;
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    try (NDArray g = e.getValue().getArray().getGradient()) {
                        assertArrayEquals(want[p++], g.toFloatArray(), "round " + round + ": gradient of " + e.getKey()
                                + " after a collection (" + reused.size() + " buffers of the freed size written with -7)");
                    }
                }
            }
        }
    }

    /**
     * Runs the collector until the direct buffers that became unreachable are freed, then allocates buffers of
     * {@code bytes} (native malloc of that size) filled with -7, which take over freed chunks of that size.
     */
    static List<ByteBuffer> collectAndReuse(int bytes) throws InterruptedException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getCount();
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(20);
            if (i >= 3 && direct.getCount() < before) break;
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            FloatBuffer f = b.asFloatBuffer();
            while (f.hasRemaining()) f.put(-7f);
            keep.add(b);
        }
        return keep;
    }
}
