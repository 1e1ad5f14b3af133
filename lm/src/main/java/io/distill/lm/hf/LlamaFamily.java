package io.distill.lm.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.LmConfig.Attention;
import io.distill.lm.model.LmConfig.Mlp;
import io.distill.lm.model.LmConfig.Norm;
import io.distill.lm.model.LmConfig.Positions;
import io.distill.lm.model.LmConfig.RopeScaling;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code LlamaForCausalLM} and {@code Qwen2ForCausalLM} ({@code modeling_llama.py}, {@code modeling_qwen2.py}):
 * RMSNorm, rotate-half rotary positions (optionally with Llama 3 frequency scaling), grouped-query attention,
 * SwiGLU, tied or untied head. Qwen2 is Llama plus biases on q, k and v, so both share this table.
 *
 * <pre>
 * distill                    Hugging Face (prefix model.layers.i.)
 * wte                        model.embed_tokens.weight
 * h.i.ln1.weight             input_layernorm.weight
 * h.i.attn.cAttn.weight      rows of self_attn.q_proj.weight, k_proj.weight, v_proj.weight
 * h.i.attn.cAttn.bias        rows of self_attn.q_proj.bias, k_proj.bias, v_proj.bias (Qwen2)
 * h.i.attn.cProj.weight      self_attn.o_proj.weight
 * h.i.ln2.weight             post_attention_layernorm.weight
 * h.i.mlp.cFc.weight         rows of mlp.gate_proj.weight, mlp.up_proj.weight
 * h.i.mlp.cProj.weight       mlp.down_proj.weight
 * lnF.weight                 model.norm.weight
 * lmHead                     lm_head.weight (untied only)
 * </pre>
 */
final class LlamaFamily implements Family {

    static final LlamaFamily LLAMA = new LlamaFamily("LlamaForCausalLM", "llama", false, 2048);
    static final LlamaFamily QWEN2 = new LlamaFamily("Qwen2ForCausalLM", "qwen2", true, 32768);

    private final String architecture;
    private final String modelType;
    private final boolean qkvBias;
    private final int defaultContext;

    private LlamaFamily(String architecture, String modelType, boolean qkvBias, int defaultContext) {
        this.architecture = architecture;
        this.modelType = modelType;
        this.qkvBias = qkvBias;
        this.defaultContext = defaultContext;
    }

    @Override
    public String architecture() {
        return architecture;
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public String headName() {
        return "lm_head.weight";
    }

    @Override
    public String embeddingName() {
        return "model.embed_tokens.weight";
    }

    @Override
    public LmConfig config(ConfigFields c) {
        String act = c.text("hidden_act", "silu");
        ConfigFields.refuse(!act.equals("silu"), "hidden_act " + act + " is not supported (only silu)");
        ConfigFields.refuse(
                c.bool("attention_bias", false),
                "attention_bias=true is not supported (biases on q, k, v and o projections)");
        ConfigFields.refuse(c.bool("mlp_bias", false), "mlp_bias=true is not supported");
        ConfigFields.refuse(
                c.bool("use_sliding_window", false),
                "sliding_window attention is not supported (use_sliding_window=true)");
        JsonNode layerTypes = c.get("layer_types");
        if (layerTypes != null) {
            layerTypes.forEach(t -> ConfigFields.refuse(
                    !t.asText().equals("full_attention"),
                    "layer_types " + t.asText() + " is not supported (only full_attention)"));
        }
        double partial = c.number("partial_rotary_factor", 1.0);
        ConfigFields.refuse(partial != 1.0, "partial_rotary_factor " + partial + " is not supported (only 1.0)");
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int kvHeads = c.integer("num_key_value_heads", heads);
        ConfigFields.refuse(
                !c.has("head_dim") && hidden % heads != 0,
                "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        int headDim = c.integer("head_dim", hidden / heads);
        return new LmConfig(
                c.integer("num_hidden_layers"),
                hidden,
                c.integer("max_position_embeddings", defaultContext),
                c.integer("vocab_size"),
                new Attention(heads, kvHeads, headDim, qkvBias, false),
                new Mlp(Mlp.Activation.SWIGLU, c.integer("intermediate_size"), false),
                new Norm(Norm.Kind.RMS_NORM, (float) c.number("rms_norm_eps", 1e-6)),
                Positions.rope(c.number("rope_theta", 10000.0), ropeScaling(c.get("rope_scaling"))),
                c.bool("tie_word_embeddings", false),
                0f); // dropout: inference and distillation run without it (attention_dropout is for pretraining)
    }

    /** None, or Llama 3's frequency scaling; other kinds (linear, dynamic, yarn, ...) change the math: refused. */
    private static RopeScaling ropeScaling(JsonNode rs) {
        if (rs == null) {
            return null;
        }
        ConfigFields.refuse(!rs.isObject(), "rope_scaling must be an object or null, got " + rs);
        // transformers reads "rope_type", and "type" in older files
        String type = rs.has("rope_type")
                ? rs.get("rope_type").asText()
                : rs.path("type").asText("default");
        if (type.equals("default")) {
            return null;
        }
        ConfigFields.refuse(!type.equals("llama3"), "rope_scaling type " + type + " is not supported (llama3 or none)");
        ConfigFields s = new ConfigFields((ObjectNode) rs);
        String what = "rope_scaling";
        for (String key : List.of("factor", "low_freq_factor", "high_freq_factor")) {
            Json.field(rs, key, HfFiles.CONFIG + " " + what);
        }
        return new RopeScaling(
                s.number("factor", 0),
                s.number("low_freq_factor", 0),
                s.number("high_freq_factor", 0),
                s.integer("original_max_position_embeddings"));
    }

    @Override
    public ObjectNode configJson(LmConfig m) {
        ObjectNode j = Json.object();
        j.putArray("architectures").add(architecture);
        j.put("model_type", modelType);
        j.put("attention_dropout", 0.0);
        if (!qkvBias) { // LlamaConfig's own keys
            j.put("attention_bias", false);
            j.put("mlp_bias", false);
            j.put("pretraining_tp", 1);
        }
        if (!qkvBias || m.headDim() * m.heads() != m.dModel()) { // Qwen2 reads head_dim only when present
            j.put("head_dim", m.headDim());
        }
        j.put("hidden_act", "silu");
        j.put("hidden_size", m.dModel());
        j.put("initializer_range", 0.02);
        j.put("intermediate_size", m.mlp().hidden());
        j.put("max_position_embeddings", m.context());
        j.put("num_attention_heads", m.heads());
        j.put("num_hidden_layers", m.layers());
        j.put("num_key_value_heads", m.attention().kvHeads());
        j.put("rms_norm_eps", Double.parseDouble(Float.toString(m.norm().eps()))); // 1e-6, not 9.99e-7
        RopeScaling rs = m.positions().scaling();
        if (rs == null) {
            j.putNull("rope_scaling");
        } else {
            ObjectNode s = j.putObject("rope_scaling");
            s.put("factor", rs.factor());
            s.put("high_freq_factor", rs.highFreqFactor());
            s.put("low_freq_factor", rs.lowFreqFactor());
            s.put("original_max_position_embeddings", rs.originalContext());
            s.put("rope_type", "llama3");
        }
        j.put("rope_theta", m.positions().theta());
        j.put("tie_word_embeddings", m.tiedEmbeddings());
        j.put("use_cache", true);
        j.put("vocab_size", m.vocab());
        if (qkvBias) { // Qwen2Config's own keys: every layer full attention
            var types = j.putArray("layer_types");
            for (int i = 0; i < m.layers(); i++) {
                types.add("full_attention");
            }
            j.put("max_window_layers", m.layers());
            j.putNull("sliding_window");
            j.put("use_sliding_window", false);
        }
        return j;
    }

    @Override
    public List<TensorRule> tensors(LmConfig m) {
        long q = (long) m.heads() * m.headDim();
        long kv = (long) m.attention().kvHeads() * m.headDim();
        long hidden = m.mlp().hidden();
        List<TensorRule> t = new ArrayList<>();
        t.add(TensorRule.same("wte", "model.embed_tokens.weight"));
        for (int i = 0; i < m.layers(); i++) {
            String h = "h." + i + ".";
            String p = "model.layers." + i + ".";
            t.add(TensorRule.same(h + "ln1.weight", p + "input_layernorm.weight"));
            t.add(TensorRule.stacked(h + "attn.cAttn.weight", qkv(p, "weight", q, kv)));
            if (qkvBias) {
                t.add(TensorRule.stacked(h + "attn.cAttn.bias", qkv(p, "bias", q, kv)));
            }
            t.add(TensorRule.same(h + "attn.cProj.weight", p + "self_attn.o_proj.weight"));
            t.add(TensorRule.same(h + "ln2.weight", p + "post_attention_layernorm.weight"));
            t.add(TensorRule.stacked(
                    h + "mlp.cFc.weight",
                    List.of(
                            new TensorRule.Part(p + "mlp.gate_proj.weight", hidden),
                            new TensorRule.Part(p + "mlp.up_proj.weight", hidden))));
            t.add(TensorRule.same(h + "mlp.cProj.weight", p + "mlp.down_proj.weight"));
        }
        t.add(TensorRule.same("lnF.weight", "model.norm.weight"));
        if (!m.tiedEmbeddings()) {
            t.add(TensorRule.same("lmHead", "lm_head.weight"));
        }
        return t;
    }

    private static List<TensorRule.Part> qkv(String prefix, String leaf, long q, long kv) {
        return List.of(
                new TensorRule.Part(prefix + "self_attn.q_proj." + leaf, q),
                new TensorRule.Part(prefix + "self_attn.k_proj." + leaf, kv),
                new TensorRule.Part(prefix + "self_attn.v_proj." + leaf, kv));
    }
}
