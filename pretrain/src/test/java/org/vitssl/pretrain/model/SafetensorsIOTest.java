package org.vitssl.pretrain.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsIOTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void roundTripKeepsNamesShapesTypesAndBytes(@TempDir Path dir) throws IOException {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("a.weight", m.arange(24f).reshape(2, 3, 4).mul(0.5f));
            t.put("b", m.create(new long[] {1, -2, 3}));
            t.put("c.mask", m.create(new boolean[] {true, false, true, true}).reshape(2, 2));
            t.put("scalar", m.create(7.25));
            t.put("bytes", m.create(new byte[] {-1, 0, 5}).toType(DataType.UINT8, false));
            Path f = dir.resolve("x.safetensors");
            SafetensorsIO.write(f, t, Map.of("format", "pt", "step", "12"));
            byte[] raw = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
            String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.contains("\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3,4],\"data_offsets\":[0,96]}"), header);
            Map<String, NDArray> back = SafetensorsIO.read(f, m);
            assertEquals(List.copyOf(t.keySet()), List.copyOf(back.keySet()));
            for (String k : t.keySet()) {
                assertEquals(t.get(k).getShape(), back.get(k).getShape(), k);
                assertEquals(t.get(k).getDataType(), back.get(k).getDataType(), k);
                assertArrayEquals(t.get(k).toByteArray(), back.get(k).toByteArray(), k);
            }
            assertEquals(Map.of("format", "pt", "step", "12"),
                    SafetensorsIO.readMetadata(new ByteArrayInputStream(raw), "x"));
        }
    }

    @Test
    void modelRoundTripWithPrefixReproducesTheForward() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            ViTConfig c = ViTConfig.of(16, 2, 2, 4, 8).withMaskToken(true);
            Engine.getInstance().setRandomSeed(1);
            VisionTransformer a = VisionTransformer.create(c, m);
            Engine.getInstance().setRandomSeed(2);
            VisionTransformer b = VisionTransformer.create(c, m);
            NDArray img = m.randomNormal(new Shape(2, 3, 8, 8));
            float[] ya = a.forward(img).tokens().toFloatArray();
            assertTrue(Math.abs(ya[0] - b.forward(img).tokens().toFloatArray()[0]) > 1e-6, "different seeds differ");

            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            SafetensorsIO.write(bo, SafetensorsIO.stateDict(a, "teacher.backbone."), null);
            Map<String, NDArray> read = SafetensorsIO.read(new ByteArrayInputStream(bo.toByteArray()), m, "mem");
            assertTrue(read.containsKey("teacher.backbone.blocks.1.attn.qkv.weight"));
            assertEquals("teacher.backbone.", SafetensorsIO.detectBackbonePrefix(read.keySet()));
            Map<String, Parameter> before = b.namedParameters();
            NDArray qkvBefore = before.get("blocks.0.attn.qkv.weight").getArray();
            SafetensorsIO.LoadReport r = SafetensorsIO.load(b, read, "teacher.backbone.", true);
            assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty(), r.toString());
            assertTrue(qkvBefore == b.namedParameters().get("blocks.0.attn.qkv.weight").getArray(), "loaded in place");
            assertArrayEquals(ya, b.forward(img).tokens().toFloatArray(), 0f);
        }
    }

    @Test
    void shapeMismatchNamesTheKeyAndChangesNothing() {
        try (NDManager m = manager.newSubManager()) {
            VisionTransformer v = VisionTransformer.create(ViTConfig.of(16, 1, 2, 4, 8), m);
            Map<String, NDArray> sd = new LinkedHashMap<>(SafetensorsIO.stateDict(v, "module."));
            sd.put("module.pos_embed", m.zeros(new Shape(1, 17, 16)));
            sd.put("module.cls_token", m.ones(new Shape(1, 1, 16)));
            float before = v.namedParameters().get("cls_token").getArray().getFloat(0, 0, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsIO.load(v, sd, "module.", false));
            assertTrue(e.getMessage().contains("'module.pos_embed'") && e.getMessage().contains("(1, 17, 16)")
                    && e.getMessage().contains("(1, 5, 16)"), e.getMessage());
            assertEquals(before, v.namedParameters().get("cls_token").getArray().getFloat(0, 0, 0), "nothing loaded");
        }
    }

    @Test
    void missingAndUnexpectedKeysAreListed() {
        try (NDManager m = manager.newSubManager()) {
            VisionTransformer v = VisionTransformer.create(ViTConfig.of(16, 1, 2, 4, 8).withMaskToken(true), m);
            Map<String, NDArray> sd = new LinkedHashMap<>(SafetensorsIO.stateDict(v, "backbone."));
            sd.remove("backbone.masked_embed");
            sd.put("backbone.head.weight", m.zeros(new Shape(3, 16)));
            sd.put("head.last_layer.weight_v", m.zeros(new Shape(3, 16)));
            SafetensorsIO.LoadReport r = SafetensorsIO.load(v, sd, "backbone.", false);
            assertEquals(List.of("masked_embed"), r.missing());
            assertEquals(List.of("backbone.head.weight"), r.unexpected());
            assertThrows(IllegalArgumentException.class, () -> SafetensorsIO.load(v, sd, "backbone.", true));
        }
    }

    @Test
    void rejectsTruncatedAndNonSafetensorsInput() {
        try (NDManager m = manager.newSubManager()) {
            IOException e = assertThrows(IOException.class,
                    () -> SafetensorsIO.read(new ByteArrayInputStream(new byte[] {1, 2, 3}), m, "tiny.bin"));
            assertTrue(e.getMessage().startsWith("tiny.bin"), e.getMessage());
            byte[] junk = new byte[16];
            ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
            assertThrows(IOException.class, () -> SafetensorsIO.read(new ByteArrayInputStream(junk), m, "junk"));
        }
    }

    @Test
    void interoperatesWithDjlSafetensorsCodec() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> mine = Fixtures.load("vit_tiny.safetensors", m);
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            SafetensorsIO.write(bo, mine, Map.of("k", "v"));
            ai.djl.ndarray.NDList djl = ai.djl.ndarray.NDList.decode(m, bo.toByteArray());
            assertEquals(mine.size(), djl.size());
            for (NDArray a : djl) assertArrayEquals(mine.get(a.getName()).toByteArray(), a.toByteArray(), a.getName());
            ai.djl.ndarray.NDList named = new ai.djl.ndarray.NDList();
            for (Map.Entry<String, NDArray> e : mine.entrySet()) {
                NDArray c = e.getValue().duplicate();
                c.setName(e.getKey());
                named.add(c);
            }
            Map<String, NDArray> back = SafetensorsIO.read(
                    new ByteArrayInputStream(named.encode(ai.djl.ndarray.NDList.Encoding.SAFETENSORS)), m, "djl");
            assertEquals(mine.keySet(), back.keySet());
            for (String k : mine.keySet()) assertArrayEquals(mine.get(k).toByteArray(), back.get(k).toByteArray(), k);
        }
    }

    @Test
    void detectsPrefixesOfCheckpoints() {
        assertEquals("", SafetensorsIO.detectBackbonePrefix(List.of("cls_token", "pos_embed")));
        assertEquals("teacher.backbone.", SafetensorsIO.detectBackbonePrefix(
                List.of("student.module.backbone.pos_embed", "teacher.backbone.pos_embed")));
        assertEquals("module.backbone.", SafetensorsIO.detectBackbonePrefix(List.of("module.backbone.pos_embed", "module.head.x")));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsIO.detectBackbonePrefix(List.of("a.weight")));
    }
}
