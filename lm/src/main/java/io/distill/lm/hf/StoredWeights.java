package io.distill.lm.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.artifact.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tensors of a model directory, from headers only: {@code model.safetensors}, or the shards that {@code
 * model.safetensors.index.json} lists. Every header is parsed and checked here, and the index must agree with the
 * shards exactly, so a loader knows every name, type and shape before it reads any data.
 */
final class StoredWeights {

    /** Tensor name to the file holding it, in file order then header order. */
    private final Map<String, String> fileOf = new LinkedHashMap<>();

    private final Map<String, SafetensorsFile.Info> info = new LinkedHashMap<>();
    private final List<String> files = new ArrayList<>();

    private StoredWeights() {}

    static StoredWeights scan(Path dir) throws IOException {
        StoredWeights w = new StoredWeights();
        Path index = dir.resolve(HfFiles.WEIGHTS_INDEX);
        if (Files.exists(index)) {
            ObjectNode json = Json.parseObject(Files.readAllBytes(index), HfFiles.WEIGHTS_INDEX);
            ObjectNode map = Json.objectField(json, "weight_map", HfFiles.WEIGHTS_INDEX);
            Map<String, String> listed = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                listed.put(e.getKey(), Json.text(map, e.getKey(), HfFiles.WEIGHTS_INDEX));
            }
            for (String file : new TreeSet<>(listed.values())) {
                if (file.contains("/") || file.contains("\\")) {
                    throw new IllegalArgumentException(
                            HfFiles.WEIGHTS_INDEX + ": shard " + file + " is not a file name");
                }
                w.add(dir, file);
            }
            for (Map.Entry<String, String> e : listed.entrySet()) {
                if (!e.getValue().equals(w.fileOf.get(e.getKey()))) {
                    throw new IllegalArgumentException(HfFiles.WEIGHTS_INDEX + ": tensor " + e.getKey()
                            + " is listed in " + e.getValue() + " but not stored there");
                }
            }
            for (String name : w.fileOf.keySet()) {
                if (!listed.containsKey(name)) {
                    throw new IllegalArgumentException(
                            w.fileOf.get(name) + ": tensor " + name + " is not listed in " + HfFiles.WEIGHTS_INDEX);
                }
            }
        } else if (Files.exists(dir.resolve(HfFiles.WEIGHTS))) {
            w.add(dir, HfFiles.WEIGHTS);
        } else {
            throw new IllegalArgumentException("no " + HfFiles.WEIGHTS + " or " + HfFiles.WEIGHTS_INDEX
                    + (Files.exists(dir.resolve("pytorch_model.bin"))
                            ? " (pytorch_model.bin is not read: convert it to safetensors)"
                            : ""));
        }
        return w;
    }

    private void add(Path dir, String file) throws IOException {
        files.add(file);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file), file)) {
            for (Map.Entry<String, SafetensorsFile.Info> e : f.tensors().entrySet()) {
                if (fileOf.putIfAbsent(e.getKey(), file) != null) {
                    throw new IllegalArgumentException(
                            file + ": tensor " + e.getKey() + " is also stored in " + fileOf.get(e.getKey()));
                }
                info.put(e.getKey(), e.getValue());
            }
        }
    }

    /** Stored type and shape of every tensor. */
    Map<String, SafetensorsFile.Info> tensors() {
        return info;
    }

    /** The file that holds tensor {@code name}. */
    String fileOf(String name) {
        return fileOf.get(name);
    }

    /** The weight files, in the order to read them. */
    List<String> files() {
        return files;
    }
}
