package io.distill.lm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's own state, stored in a checkpoint's {@code state.json} next to the weights and optimizer state,
 * so that weights and the input position are restored together (nanoGPT's {@code iter_num}, plus Kafka offsets).
 * This module does not interpret the offsets: they are whatever the trainer needs to seek back to.
 *
 * @param step optimisation steps taken (skipped ones included), the learning-rate schedule's position
 * @param tokensSeen training tokens consumed so far
 * @param lossScale the dynamic loss scale in force (1 when loss scaling is off)
 * @param cleanSteps steps since the loss scale last changed, counted toward the next increase
 * @param offsets for each consumed input partition, the offset of the next record to read (Kafka's committed
 *     offset convention), keyed as the trainer chooses, e.g. {@code "distill.soft-labels-3"}; sorted by key
 * @param teachers the lineage of a student trained on a mixture of teachers: each teacher's name and weight (the
 *     trainer's {@code --teachers}); empty otherwise, and in files written before it was kept
 */
public record TrainingState(
        long step,
        long tokensSeen,
        float lossScale,
        long cleanSteps,
        Map<String, Long> offsets,
        Map<String, Double> teachers) {

    public static final String FILE = "state.json";

    public TrainingState {
        if (step < 0 || tokensSeen < 0 || cleanSteps < 0) {
            throw new IllegalArgumentException("step, tokensSeen and cleanSteps must be >= 0, got " + step + ", "
                    + tokensSeen + ", " + cleanSteps);
        }
        if (!(lossScale > 0f) || Float.isInfinite(lossScale)) {
            throw new IllegalArgumentException("lossScale must be positive and finite, got " + lossScale);
        }
        TreeMap<String, Long> sorted = new TreeMap<>();
        offsets.forEach((key, offset) -> {
            if (key == null || key.isEmpty() || offset == null || offset < 0) {
                throw new IllegalArgumentException(
                        "offsets need a non-empty key and an offset >= 0, got " + key + "=" + offset);
            }
            sorted.put(key, offset);
        });
        offsets = Collections.unmodifiableMap(sorted);
        teachers = Collections.unmodifiableMap(new TreeMap<>(teachers));
    }

    /** The state of a student of one teacher's records. */
    public TrainingState(long step, long tokensSeen, float lossScale, long cleanSteps, Map<String, Long> offsets) {
        this(step, tokensSeen, lossScale, cleanSteps, offsets, Map.of());
    }

    /** The state before the first step: nothing consumed, loss scale 1. */
    public static TrainingState initial() {
        return new TrainingState(0, 0, 1f, 0, Map.of());
    }

    public byte[] toJson() {
        ObjectNode root = Json.object();
        root.put("step", step);
        root.put("tokensSeen", tokensSeen);
        root.put("lossScale", lossScale);
        root.put("cleanSteps", cleanSteps);
        ObjectNode o = root.putObject("offsets");
        offsets.forEach(o::put);
        if (!teachers.isEmpty()) {
            ObjectNode t = root.putObject("teachers");
            teachers.forEach(t::put);
        }
        return Json.bytes(root);
    }

    public static TrainingState fromJson(byte[] json) {
        ObjectNode root = Json.parseObject(json, FILE);
        Map<String, Long> offsets = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e :
                Json.objectField(root, "offsets", FILE).properties()) {
            offsets.put(e.getKey(), Json.asLong(e.getValue(), "offsets." + e.getKey(), FILE));
        }
        long step = Json.longValue(root, "step", FILE);
        long tokensSeen = Json.longValue(root, "tokensSeen", FILE);
        float lossScale = Json.floatValue(root, "lossScale", FILE);
        long cleanSteps = Json.longValue(root, "cleanSteps", FILE);
        Map<String, Double> teachers = new TreeMap<>();
        if (root.has("teachers")) {
            for (Map.Entry<String, JsonNode> e :
                    Json.objectField(root, "teachers", FILE).properties()) {
                if (!e.getValue().isNumber()) {
                    throw new IllegalArgumentException(FILE + ": teachers." + e.getKey() + " is not a number");
                }
                teachers.put(e.getKey(), e.getValue().doubleValue());
            }
        }
        try {
            return new TrainingState(step, tokensSeen, lossScale, cleanSteps, offsets, teachers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(FILE + ": " + e.getMessage(), e);
        }
    }
}
