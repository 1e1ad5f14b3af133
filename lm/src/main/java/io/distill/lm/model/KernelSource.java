package io.distill.lm.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The TorchScript source of one kernel module. The math lives in the resources under {@code kernels/}, one file per
 * sublayer (and the optimizer's update), as plain TorchScript functions whose absent tensors are {@code Optional}
 * and whose shapes are {@code int} arguments. A module loaded through DJL takes tensors only, so each module adds a generated {@code forward}
 * that calls one function with the present tensors, {@code None} for the absent ones and its constants bound, and
 * returns the result as fp32.
 */
final class KernelSource {
    private static final List<String> FILES =
            List.of("common.py", "linear.py", "attention.py", "mlp.py", "optimizer.py");
    private static final String FUNCTIONS = readFunctions();

    private final String className;
    private final String source;

    /**
     * @param function a function of the resources
     * @param tensors its tensor arguments in order: a parameter name, null for an absent one (None), or a list of
     *     names for a {@code List[Tensor]}
     * @param constants its remaining arguments in order: {@link Integer}, {@link Float}, {@link String} or {@link
     *     ScalarType}
     */
    KernelSource(String function, List<?> tensors, List<?> constants) {
        StringJoiner parameters = new StringJoiner(", ");
        StringJoiner arguments = new StringJoiner(", ");
        StringBuilder name = new StringBuilder(function);
        for (Object t : tensors) {
            if (t == null) {
                arguments.add("None");
                name.append("_none");
            } else if (t instanceof List<?> list) {
                StringJoiner items = new StringJoiner(", ", "[", "]");
                for (Object item : list) {
                    parameters.add(item + ": Tensor");
                    items.add(item.toString());
                }
                arguments.add(items.toString());
                name.append('_').append(list.size());
            } else {
                parameters.add(t + ": Tensor");
                arguments.add(t.toString());
            }
        }
        for (Object c : constants) {
            arguments.add(literal(c));
            name.append('_').append(c instanceof ScalarType dtype ? dtype.name() : c.toString());
        }
        this.className = name.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String forward = "  def forward(self: __torch__." + className + ", " + parameters + ") -> Tensor:\n"
                + "    return torch.to(__torch__." + function + "(" + arguments + "), torch.float32)\n";
        this.source = ScalarType.resolveNames(forward + "\n\n" + FUNCTIONS);
    }

    /** A Python identifier naming the function and its bound arguments. */
    String className() {
        return className;
    }

    /** The class's {@code forward} method, then every kernel function, with dtype names resolved to codes. */
    String source() {
        return source;
    }

    private static String literal(Object constant) {
        if (constant instanceof Integer i) {
            return i.toString();
        } else if (constant instanceof Float f && Float.isFinite(f)) {
            return f.toString();
        } else if (constant instanceof String s) {
            return '"' + s + '"';
        } else if (constant instanceof ScalarType dtype) {
            return dtype.torchName();
        }
        throw new IllegalArgumentException("not a kernel constant: " + constant);
    }

    private static String readFunctions() {
        List<String> parts = new ArrayList<>();
        for (String file : FILES) {
            try (InputStream in = KernelSource.class.getResourceAsStream("kernels/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("kernel source kernels/" + file + " is missing from the jar");
                }
                parts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return String.join("\n\n", parts);
    }
}
