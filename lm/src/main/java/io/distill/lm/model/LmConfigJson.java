package io.distill.lm.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.model.LmConfig.Attention;
import io.distill.lm.model.LmConfig.Mlp;
import io.distill.lm.model.LmConfig.Norm;
import io.distill.lm.model.LmConfig.Positions;
import io.distill.lm.model.LmConfig.RopeScaling;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * The JSON of an {@link LmConfig}, compact, as it travels in checkpoints' {@code config.json} and in checkpoint
 * announcements. The project's own GPT keeps the flat six-key layout it has always had, so earlier checkpoints and
 * announcements read the same; every other shape is written in full, one object per sublayer:
 *
 * <pre>
 * {"layers":2,"dModel":64,"context":128,"vocab":32000,"dropout":0.0,"tiedEmbeddings":false,
 *  "attention":{"heads":4,"kvHeads":2,"headDim":16,"qkvBias":false,"outBias":false},
 *  "mlp":{"activation":"swiglu","hidden":160,"bias":false},"norm":{"kind":"rms_norm","eps":1.0E-5},
 *  "positions":{"kind":"rope","theta":10000.0,"scaling":null}}
 * </pre>
 */
final class LmConfigJson {

    private static final String WHAT = "model config";
    private static final Set<String> FLAT_KEYS = Set.of("layers", "heads", "dModel", "context", "vocab", "dropout");
    private static final Set<String> FULL_KEYS = Set.of(
            "layers",
            "dModel",
            "context",
            "vocab",
            "dropout",
            "tiedEmbeddings",
            "attention",
            "mlp",
            "norm",
            "positions");

    private LmConfigJson() {}

    static String write(LmConfig c) {
        ObjectNode root = Json.object();
        root.put("layers", c.layers());
        LmConfig own = ownGptShape(c);
        if (c.equals(own)) {
            root.put("heads", c.heads());
            root.put("dModel", c.dModel());
            root.put("context", c.context());
            root.put("vocab", c.vocab());
            root.put("dropout", c.dropout());
            return compact(root);
        }
        root.put("dModel", c.dModel());
        root.put("context", c.context());
        root.put("vocab", c.vocab());
        root.put("dropout", c.dropout());
        root.put("tiedEmbeddings", c.tiedEmbeddings());
        Attention a = c.attention();
        root.putObject("attention")
                .put("heads", a.heads())
                .put("kvHeads", a.kvHeads())
                .put("headDim", a.headDim())
                .put("qkvBias", a.qkvBias())
                .put("outBias", a.outBias());
        root.putObject("mlp")
                .put("activation", lower(c.mlp().activation()))
                .put("hidden", c.mlp().hidden())
                .put("bias", c.mlp().bias());
        root.putObject("norm")
                .put("kind", lower(c.norm().kind()))
                .put("eps", c.norm().eps());
        ObjectNode positions =
                root.putObject("positions").put("kind", lower(c.positions().kind()));
        if (c.positions().kind() == Positions.Kind.ROPE) {
            positions.put("theta", c.positions().theta());
            RopeScaling s = c.positions().scaling();
            if (s == null) {
                positions.putNull("scaling");
            } else {
                positions
                        .putObject("scaling")
                        .put("factor", s.factor())
                        .put("lowFreqFactor", s.lowFreqFactor())
                        .put("highFreqFactor", s.highFreqFactor())
                        .put("originalContext", s.originalContext());
            }
        }
        return compact(root);
    }

    static LmConfig read(String json) {
        ObjectNode root = Json.parseObject(json.getBytes(StandardCharsets.UTF_8), WHAT);
        Set<String> keys = keys(root);
        if (keys.equals(FLAT_KEYS)) {
            return LmConfig.gpt(
                    integer(root, "layers"),
                    integer(root, "heads"),
                    integer(root, "dModel"),
                    integer(root, "context"),
                    integer(root, "vocab"),
                    Json.floatValue(root, "dropout", WHAT));
        }
        if (!keys.equals(FULL_KEYS)) {
            throw new IllegalArgumentException(
                    WHAT + " keys must be " + FLAT_KEYS + " or " + FULL_KEYS + ", got " + keys);
        }
        JsonNode a = Json.objectField(root, "attention", WHAT);
        JsonNode m = Json.objectField(root, "mlp", WHAT);
        JsonNode n = Json.objectField(root, "norm", WHAT);
        JsonNode p = Json.objectField(root, "positions", WHAT);
        return new LmConfig(
                integer(root, "layers"),
                integer(root, "dModel"),
                integer(root, "context"),
                integer(root, "vocab"),
                new Attention(
                        integer(a, "heads"),
                        integer(a, "kvHeads"),
                        integer(a, "headDim"),
                        bool(a, "qkvBias"),
                        bool(a, "outBias")),
                new Mlp(enumValue(Mlp.Activation.class, m, "activation"), integer(m, "hidden"), bool(m, "bias")),
                new Norm(enumValue(Norm.Kind.class, n, "kind"), Json.floatValue(n, "eps", WHAT)),
                positions(p),
                bool(root, "tiedEmbeddings"),
                Json.floatValue(root, "dropout", WHAT));
    }

    private static Positions positions(JsonNode p) {
        Positions.Kind kind = enumValue(Positions.Kind.class, p, "kind");
        if (kind == Positions.Kind.LEARNED) {
            return Positions.learned();
        }
        JsonNode s = p.get("scaling");
        RopeScaling scaling = s == null || s.isNull()
                ? null
                : new RopeScaling(
                        number(s, "factor"),
                        number(s, "lowFreqFactor"),
                        number(s, "highFreqFactor"),
                        integer(s, "originalContext"));
        return Positions.rope(number(p, "theta"), scaling);
    }

    /** The own-GPT config with {@code c}'s sizes, or null when {@code c}'s heads do not divide its width. */
    private static LmConfig ownGptShape(LmConfig c) {
        if (c.dModel() % c.heads() != 0) {
            return null;
        }
        return LmConfig.gpt(c.layers(), c.heads(), c.dModel(), c.context(), c.vocab(), c.dropout());
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new HashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    private static int integer(JsonNode node, String key) {
        long v = Json.longValue(node, key, WHAT);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(WHAT + ": \"" + key + "\" out of range: " + v);
        }
        return (int) v;
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = Json.field(node, key, WHAT);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(WHAT + ": \"" + key + "\" must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static boolean bool(JsonNode node, String key) {
        JsonNode v = Json.field(node, key, WHAT);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(WHAT + ": \"" + key + "\" must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode node, String key) {
        String text = Json.text(node, key, WHAT);
        try {
            return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(WHAT + ": unknown " + key + " \"" + text + "\"", e);
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String compact(ObjectNode root) {
        try {
            return Json.MAPPER
                    .writer()
                    .without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }
}
