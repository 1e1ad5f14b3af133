package io.distill.lm.hf;

import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * One row of a family's mapping table: a distill parameter ({@code path} in {@code Gpt.parametersByPath()}) and the
 * Hugging Face tensors it is made of. The same row drives import (stack the parts' rows into the parameter) and
 * export (slice the parameter's rows back into the parts), so the two directions cannot drift apart.
 *
 * @param parts the Hugging Face tensors whose rows, stacked in this order, form the parameter (Llama's q, k, v
 *     into {@code cAttn}; gate, up into {@code cFc}); one part when the names map one to one
 * @param transposed whether the Hugging Face tensor is stored as (in, out) (GPT-2's {@code Conv1D}) while the
 *     parameter is (out, in)
 */
record TensorRule(String path, List<Part> parts, boolean transposed) {

    /** A Hugging Face tensor holding {@code rows} rows of the parameter (0 for "all of them", a single part). */
    record Part(String name, long rows) {}

    TensorRule {
        if (transposed && parts.size() != 1) {
            throw new IllegalArgumentException(path + ": a transposed tensor maps to one parameter whole");
        }
    }

    /** The parameter is stored as is under {@code name}. */
    static TensorRule same(String path, String name) {
        return new TensorRule(path, List.of(new Part(name, 0)), false);
    }

    /** The parameter is stored transposed under {@code name}, as GPT-2's Conv1D weights are. */
    static TensorRule transposed(String path, String name) {
        return new TensorRule(path, List.of(new Part(name, 0)), true);
    }

    /** The parameter's rows are the named tensors' rows, stacked. */
    static TensorRule stacked(String path, List<Part> parts) {
        return new TensorRule(path, List.copyOf(parts), false);
    }

    /** Rows of part {@code i} in a parameter of shape {@code param}. */
    long rows(int i, Shape param) {
        long rows = parts.get(i).rows();
        return rows == 0 ? param.get(0) : rows;
    }

    /** The stored shape of part {@code i} of a parameter of shape {@code param}. */
    Shape storedShape(int i, Shape param) {
        long[] dims = param.getShape().clone();
        dims[0] = rows(i, param);
        if (transposed) {
            return new Shape(dims[1], dims[0]);
        }
        return new Shape(dims);
    }
}
