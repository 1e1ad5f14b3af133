package io.distill.lm;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.lm.model.Gpt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers shared by the checkpoint, bundle and pruning tests. */
public final class Fixtures {

    private Fixtures() {}

    /** Each parameter's raw bytes by name: equal maps mean bitwise equal models. */
    public static Map<String, byte[]> parameterBytes(Gpt gpt) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : gpt.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toByteArray());
        }
        return out;
    }

    /** Flips the lowest bit of the middle byte: the smallest corruption there is. */
    public static void flipByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
    }
}
