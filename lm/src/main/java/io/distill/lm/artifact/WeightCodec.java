package io.distill.lm.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.distill.lm.InPlace;
import io.distill.lm.model.Gpt;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A model's parameters as the named tensors of {@code weights.safetensors}, in a {@link WeightFormat}, and back.
 * Names are those of {@code Block.getParameters()} (e.g. {@code wte}, {@code 01h0_02attn_01cAttn_weight}).
 *
 * <ul>
 *   <li>fp32: every parameter as is.
 *   <li>fp16: rank-2 parameters (matrices and both embeddings) as F16 under their own name; rank-1 as F32.
 *   <li>int8: rank-2 parameters as I8 under their own name plus an F32 per-row scale under {@code name.scale}
 *       ({@link Int8Rows}); rank-1 as F32.
 * </ul>
 */
final class WeightCodec {

    static final String SCALE_SUFFIX = ".scale";

    /** Largest finite half-precision value. */
    private static final float FP16_MAX = 65504f;

    private WeightCodec() {}

    /**
     * The tensors to write for {@code model}. For fp32 they are the live parameter arrays (read only); converted
     * arrays and every temporary belong to {@code scope}.
     */
    static Map<String, NDArray> encode(Gpt model, WeightFormat format, NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            String name = p.getKey();
            NDArray w = p.getValue().getArray();
            if (format == WeightFormat.FP32 || w.getShape().dimension() != 2) {
                out.put(name, w);
                continue;
            }
            NDArray x = w.duplicate(); // ops on a parameter land in the model's manager: work on a scoped copy
            x.attach(scope);
            float absMax = x.abs().max().getFloat();
            if (!Float.isFinite(absMax) || (format == WeightFormat.FP16 && absMax > FP16_MAX)) {
                throw new IllegalStateException(
                        "parameter " + name + " has max |w| = " + absMax + ", not storable as " + format.id());
            }
            if (format == WeightFormat.FP16) {
                out.put(name, x.toType(DataType.FLOAT16, false));
            } else {
                Int8Rows.Quantized q = Int8Rows.quantize(x);
                out.put(name, q.q());
                out.put(name + SCALE_SUFFIX, q.scale());
            }
        }
        return out;
    }

    /**
     * Checks that {@code tensors} are exactly what {@link #encode} writes for {@code model} in {@code format}: the
     * same names, types and shapes. Throws an {@link IllegalArgumentException} saying what differs.
     */
    static void check(Map<String, NDArray> tensors, WeightFormat format, Gpt model) {
        Set<String> expected = new LinkedHashSet<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            expected.add(p.getKey());
            if (format == WeightFormat.INT8 && isMatrix(p)) {
                expected.add(p.getKey() + SCALE_SUFFIX);
            }
        }
        if (!tensors.keySet().equals(expected)) {
            Set<String> missing = new LinkedHashSet<>(expected);
            missing.removeAll(tensors.keySet());
            Set<String> unexpected = new LinkedHashSet<>(tensors.keySet());
            unexpected.removeAll(expected);
            throw new IllegalArgumentException("tensors do not match the model: missing " + missing + ", unexpected "
                    + unexpected + " (a model of another shape or version?)");
        }
        for (Pair<String, Parameter> p : model.getParameters()) {
            Shape shape = p.getValue().getArray().getShape();
            require(p.getKey(), tensors.get(p.getKey()), storedType(format, isMatrix(p)), shape);
            if (format == WeightFormat.INT8 && isMatrix(p)) {
                require(
                        p.getKey() + SCALE_SUFFIX,
                        tensors.get(p.getKey() + SCALE_SUFFIX),
                        DataType.FLOAT32,
                        new Shape(shape.get(0)));
            }
        }
    }

    /**
     * {@link #check}s {@code tensors}, then copies them into {@code model}'s parameters as fp32, in place. The
     * model is unchanged when the check fails. Temporaries belong to {@code scope}.
     */
    static void decodeInto(Map<String, NDArray> tensors, WeightFormat format, Gpt model, NDManager scope) {
        check(tensors, format, model);
        for (Pair<String, Parameter> p : model.getParameters()) {
            NDArray stored = tensors.get(p.getKey());
            NDArray value;
            if (stored.getDataType() == DataType.FLOAT32) {
                value = stored;
            } else if (stored.getDataType() == DataType.FLOAT16) {
                value = stored.toType(DataType.FLOAT32, false);
            } else {
                value = Int8Rows.dequantize(stored, tensors.get(p.getKey() + SCALE_SUFFIX));
            }
            value.attach(scope);
            InPlace.copy(p.getValue().getArray(), value);
        }
    }

    private static boolean isMatrix(Pair<String, Parameter> p) {
        return p.getValue().getArray().getShape().dimension() == 2;
    }

    private static DataType storedType(WeightFormat format, boolean matrix) {
        if (!matrix) {
            return DataType.FLOAT32;
        }
        return switch (format) {
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case INT8 -> DataType.INT8;
        };
    }

    private static void require(String name, NDArray a, DataType type, Shape shape) {
        if (a.getDataType() != type || !a.getShape().equals(shape)) {
            throw new IllegalArgumentException("tensor " + name + " is " + a.getDataType() + " " + a.getShape()
                    + ", expected " + type + " " + shape);
        }
    }
}
