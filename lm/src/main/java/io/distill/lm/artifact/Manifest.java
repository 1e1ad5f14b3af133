package io.distill.lm.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code manifest.json}: what a checkpoint or bundle directory is and the sha256 and size of every other file in
 * it. Written last, so a directory without a valid manifest is incomplete; verified before anything is loaded.
 *
 * <pre>
 * {"format": "distill-model", "formatVersion": 1, "kind": "checkpoint", "weightFormat": "fp32",
 *  "files": {"config.json": {"sha256": "9f2c...", "bytes": 123}, ...}}
 * </pre>
 *
 * @param kind {@value #CHECKPOINT} (a model plus what resuming training needs) or {@value #BUNDLE} (a model only)
 * @param weightFormat how {@code weights.safetensors} stores the parameters
 * @param files file name to its expected digest and size
 */
record Manifest(String kind, WeightFormat weightFormat, Map<String, FileEntry> files) {

    static final String FILE = "manifest.json";
    static final String CHECKPOINT = "checkpoint";
    static final String BUNDLE = "bundle";

    private static final String FORMAT = "distill-model";
    private static final int FORMAT_VERSION = 1;
    /** Plain names only: a manifest from elsewhere must not point outside its directory. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

    /**
     * @param sha256 lower-case hex
     * @param bytes file size
     */
    record FileEntry(String sha256, long bytes) {}

    Manifest {
        if (!kind.equals(CHECKPOINT) && !kind.equals(BUNDLE)) {
            throw new IllegalArgumentException("kind must be checkpoint or bundle, got " + kind);
        }
        for (String name : files.keySet()) {
            if (!FILE_NAME.matcher(name).matches() || name.equals(FILE)) {
                throw new IllegalArgumentException("bad file name in manifest: " + name);
            }
        }
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    byte[] toJson() {
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("kind", kind);
        root.put("weightFormat", weightFormat.id());
        ObjectNode list = root.putObject("files");
        files.forEach(
                (name, f) -> list.putObject(name).put("sha256", f.sha256()).put("bytes", f.bytes()));
        return Json.bytes(root);
    }

    static Manifest fromJson(byte[] json) {
        ObjectNode root = Json.parseObject(json, FILE);
        String format = Json.text(root, "format", FILE);
        long version = Json.longValue(root, "formatVersion", FILE);
        if (!format.equals(FORMAT) || version != FORMAT_VERSION) {
            throw new IllegalArgumentException(FILE + ": format " + format + " version " + version + " is not " + FORMAT
                    + " version " + FORMAT_VERSION);
        }
        Map<String, FileEntry> files = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f :
                Json.objectField(root, "files", FILE).properties()) {
            String what = FILE + ": files." + f.getKey();
            String sha = Json.text(f.getValue(), "sha256", what);
            if (!sha.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(what + ": sha256 must be 64 lower-case hex digits");
            }
            files.put(f.getKey(), new FileEntry(sha, Json.longValue(f.getValue(), "bytes", what)));
        }
        return new Manifest(
                Json.text(root, "kind", FILE), WeightFormat.fromId(Json.text(root, "weightFormat", FILE)), files);
    }
}
