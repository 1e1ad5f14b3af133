package io.distill.lm.artifact;

import java.util.Arrays;

/**
 * How a model's weights are stored in a bundle. In every format the rank-1 parameters (biases, LayerNorm gain and
 * shift) stay fp32: they are under 1% of the scalars and the ones rounding hurts most.
 */
public enum WeightFormat {
    /** Every parameter as trained: the only format a training checkpoint uses. */
    FP32("fp32"),
    /** Matrices and embeddings rounded to IEEE half precision. */
    FP16("fp16"),
    /**
     * Matrices and embeddings as int8 with one fp32 scale per row (per output channel), symmetric: {@code scale =
     * max|row| / 127}, {@code q = round(w / scale)}. The token embedding's rows are also the output channels of
     * the tied output projection, so one per-row scale serves both of its uses.
     */
    INT8("int8");

    private final String id;

    WeightFormat(String id) {
        this.id = id;
    }

    /** The name in files, records and command lines: {@code fp32}, {@code fp16}, {@code int8}. */
    public String id() {
        return id;
    }

    public static WeightFormat fromId(String id) {
        return Arrays.stream(values())
                .filter(f -> f.id.equals(id))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("unknown weight format '" + id + "', known: fp32, fp16, int8"));
    }
}
