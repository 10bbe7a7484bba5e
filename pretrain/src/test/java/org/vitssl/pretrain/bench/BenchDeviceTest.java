package org.vitssl.pretrain.bench;

import ai.djl.Device;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchDeviceTest {
    @Test
    void cpuByDefaultAndGpuMapsToCudaForTheCounterpart() {
        BenchDevice cpu = BenchDevice.of(ConfigFactory.empty());
        assertEquals(Device.cpu(), cpu.djl());
        assertEquals("cpu", cpu.torch());
        BenchDevice gpu = BenchDevice.of(ConfigFactory.parseString("vitssl.bench.device = gpu"));
        assertEquals(Device.gpu(0), gpu.djl());
        assertEquals("cuda", gpu.torch());
    }

    @Test
    void anUnknownDeviceIsRejectedWithTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BenchDevice.of(ConfigFactory.parseString("vitssl.bench.device = tpu")));
        assertTrue(e.getMessage().contains("vitssl.bench.device"), e.getMessage());
    }
}
