package io.distill.lm.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.lm.Json;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.LmConfig.Attention;
import io.distill.lm.model.LmConfig.Mlp;
import io.distill.lm.model.LmConfig.Norm;
import io.distill.lm.model.LmConfig.Positions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GPT2LMHeadModel} ({@code modeling_gpt2.py}): LayerNorm, learned positions, {@code gelu_new} MLP, biases
 * everywhere, head tied to the embedding. Its projections are {@code Conv1D}s, whose weights are stored (in, out):
 * the transpose of distill's (out, in). {@code c_attn}'s output columns are q, then k, then v, as {@code cAttn}'s
 * rows are.
 *
 * <pre>
 * distill                    Hugging Face (prefix transformer.h.i.; the hub's gpt2 files omit "transformer.")
 * wte, wpe                   transformer.wte.weight, transformer.wpe.weight
 * h.i.ln1.weight, .bias      ln_1.weight, ln_1.bias
 * h.i.attn.cAttn.weight      attn.c_attn.weight, transposed; .bias as is
 * h.i.attn.cProj.weight      attn.c_proj.weight, transposed; .bias as is
 * h.i.ln2.weight, .bias      ln_2.weight, ln_2.bias
 * h.i.mlp.cFc.weight         mlp.c_fc.weight, transposed; .bias as is
 * h.i.mlp.cProj.weight       mlp.c_proj.weight, transposed; .bias as is
 * lnF.weight, .bias          transformer.ln_f.weight, transformer.ln_f.bias
 * (ignored)                  attn.bias, attn.masked_bias: causal-mask buffers of older files
 * </pre>
 */
final class Gpt2Family implements Family {

    static final Gpt2Family GPT2 = new Gpt2Family();

    private static final String PREFIX = "transformer.";

    private Gpt2Family() {}

    @Override
    public String architecture() {
        return "GPT2LMHeadModel";
    }

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public String headName() {
        return "lm_head.weight";
    }

    @Override
    public String embeddingName() {
        return PREFIX + "wte.weight";
    }

    @Override
    public LmConfig config(ConfigFields c) {
        String act = c.text("activation_function", "gelu_new");
        ConfigFields.refuse(
                !act.equals("gelu_new"), "activation_function " + act + " is not supported (only gelu_new)");
        ConfigFields.refuse(
                !c.bool("scale_attn_weights", true), "scale_attn_weights=false is not supported (unscaled attention)");
        ConfigFields.refuse(
                c.bool("scale_attn_by_inverse_layer_idx", false),
                "scale_attn_by_inverse_layer_idx=true is not supported");
        ConfigFields.refuse(c.bool("reorder_and_upcast_attn", false), "reorder_and_upcast_attn=true is not supported");
        ConfigFields.refuse(c.bool("add_cross_attention", false), "add_cross_attention=true is not supported");
        ConfigFields.refuse(
                !c.bool("tie_word_embeddings", true), "tie_word_embeddings=false is not supported for GPT2LMHeadModel");
        int hidden = c.integer("n_embd");
        int heads = c.integer("n_head");
        ConfigFields.refuse(hidden % heads != 0, "n_embd " + hidden + " is not divisible by n_head " + heads);
        return new LmConfig(
                c.integer("n_layer"),
                hidden,
                c.integer("n_positions"),
                c.integer("vocab_size"),
                new Attention(heads, heads, hidden / heads, true, true),
                new Mlp(Mlp.Activation.GELU_TANH, c.integer("n_inner", 4 * hidden), true),
                new Norm(Norm.Kind.LAYER_NORM, (float) c.number("layer_norm_epsilon", 1e-5)),
                Positions.learned(),
                true,
                0f); // dropout: inference and distillation run without it (the *_pdrop fields are for pretraining)
    }

    @Override
    public ObjectNode configJson(LmConfig m) {
        ObjectNode j = Json.object();
        j.put("activation_function", "gelu_new");
        j.putArray("architectures").add(architecture());
        j.put("attn_pdrop", 0.1);
        j.put("embd_pdrop", 0.1);
        j.put("initializer_range", 0.02);
        j.put("layer_norm_epsilon", Double.parseDouble(Float.toString(m.norm().eps()))); // 1e-5, not 9.99e-6
        j.put("model_type", modelType());
        j.put("n_ctx", m.context());
        j.put("n_embd", m.dModel());
        j.put("n_head", m.heads());
        if (m.mlp().hidden() == 4 * m.dModel()) {
            j.putNull("n_inner");
        } else {
            j.put("n_inner", m.mlp().hidden());
        }
        j.put("n_layer", m.layers());
        j.put("n_positions", m.context());
        j.put("reorder_and_upcast_attn", false);
        j.put("resid_pdrop", 0.1);
        j.put("scale_attn_by_inverse_layer_idx", false);
        j.put("scale_attn_weights", true);
        j.put("use_cache", true);
        j.put("vocab_size", m.vocab());
        return j;
    }

    @Override
    public List<TensorRule> tensors(LmConfig m) {
        List<TensorRule> t = new ArrayList<>();
        t.add(TensorRule.same("wte", PREFIX + "wte.weight"));
        t.add(TensorRule.same("wpe", PREFIX + "wpe.weight"));
        for (int i = 0; i < m.layers(); i++) {
            String h = "h." + i + ".";
            String p = PREFIX + "h." + i + ".";
            t.add(TensorRule.same(h + "ln1.weight", p + "ln_1.weight"));
            t.add(TensorRule.same(h + "ln1.bias", p + "ln_1.bias"));
            t.add(TensorRule.transposed(h + "attn.cAttn.weight", p + "attn.c_attn.weight"));
            t.add(TensorRule.same(h + "attn.cAttn.bias", p + "attn.c_attn.bias"));
            t.add(TensorRule.transposed(h + "attn.cProj.weight", p + "attn.c_proj.weight"));
            t.add(TensorRule.same(h + "attn.cProj.bias", p + "attn.c_proj.bias"));
            t.add(TensorRule.same(h + "ln2.weight", p + "ln_2.weight"));
            t.add(TensorRule.same(h + "ln2.bias", p + "ln_2.bias"));
            t.add(TensorRule.transposed(h + "mlp.cFc.weight", p + "mlp.c_fc.weight"));
            t.add(TensorRule.same(h + "mlp.cFc.bias", p + "mlp.c_fc.bias"));
            t.add(TensorRule.transposed(h + "mlp.cProj.weight", p + "mlp.c_proj.weight"));
            t.add(TensorRule.same(h + "mlp.cProj.bias", p + "mlp.c_proj.bias"));
        }
        t.add(TensorRule.same("lnF.weight", PREFIX + "ln_f.weight"));
        t.add(TensorRule.same("lnF.bias", PREFIX + "ln_f.bias"));
        return t;
    }

    /**
     * The hub's gpt2 and distilgpt2 files predate the {@code transformer.} prefix (transformers adds it on load when
     * no stored name has it) and carry the causal-mask buffers {@code attn.bias} and {@code attn.masked_bias}, which
     * hold no parameter (the mask is causal by construction here).
     */
    @Override
    public Map<String, String> canonicalNames(Set<String> stored) {
        boolean legacy = stored.stream().noneMatch(n -> n.startsWith(PREFIX));
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : stored) {
            String canonical = legacy && !name.equals(headName()) ? PREFIX + name : name;
            if (!canonical.matches("transformer\\.h\\.\\d+\\.attn\\.(bias|masked_bias)")) {
                out.put(name, canonical);
            }
        }
        return out;
    }
}
