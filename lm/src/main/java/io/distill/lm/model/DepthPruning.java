package io.distill.lm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.distill.lm.InPlace;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A shallower student from a teacher, as DistilGPT2 and Minitron's depth pruning start one: the embeddings, the
 * final norm, the output head and a chosen subset of the blocks are copied; the student's block {@code j} is the
 * teacher's block {@code layers[j]}.
 */
public final class DepthPruning {

    private DepthPruning() {}

    /** Every other block, starting with the first: {@code 0, 2, 4, ...} (DistilGPT2's choice). */
    public static int[] everyOther(int teacherLayers) {
        return IntStream.range(0, teacherLayers).filter(i -> i % 2 == 0).toArray();
    }

    /** The student's config: the teacher's with {@code layers.length} blocks. */
    public static LmConfig studentConfig(LmConfig teacher, int[] layers) {
        check(teacher, layers);
        return teacher.withLayers(layers.length);
    }

    /** Copies the teacher's parameters into {@code student}, whose config is {@link #studentConfig}. */
    public static void copy(Gpt teacher, Gpt student, int[] layers) {
        if (!student.config()
                .equals(studentConfig(teacher.config(), layers)
                        .withContext(student.config().context()))) {
            throw new IllegalArgumentException("the student is not the teacher pruned to layers "
                    + Arrays.toString(layers) + ": " + student.config());
        }
        Map<String, Parameter> from = teacher.parametersByPath();
        for (Map.Entry<String, Parameter> to : student.parametersByPath().entrySet()) {
            String path = to.getKey();
            String source = path.startsWith("h.") ? teacherBlock(path, layers) : path;
            Parameter p = from.get(source);
            if (p == null) {
                throw new IllegalStateException("the teacher has no parameter " + source);
            }
            if (path.equals("wpe")) { // a student with a shorter context takes the first positions
                long rows = to.getValue().getArray().getShape().get(0);
                try (NDArray first = p.getArray().get("0:{}", rows)) {
                    InPlace.copy(to.getValue().getArray(), first);
                }
            } else {
                InPlace.copy(to.getValue().getArray(), p.getArray());
            }
        }
    }

    /** {@code h.<j>.rest} of the student is {@code h.<layers[j]>.rest} of the teacher. */
    private static String teacherBlock(String path, int[] layers) {
        int dot = path.indexOf('.', 2);
        int j = Integer.parseInt(path.substring(2, dot));
        return "h." + layers[j] + path.substring(dot);
    }

    private static void check(LmConfig teacher, int[] layers) {
        if (layers.length == 0) {
            throw new IllegalArgumentException("--layers must name at least one block");
        }
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 0 || layers[i] >= teacher.layers()) {
                throw new IllegalArgumentException("layer " + layers[i]
                        + " does not exist: the teacher has blocks 0 to " + (teacher.layers() - 1));
            }
            if (i > 0 && layers[i] <= layers[i - 1]) {
                throw new IllegalArgumentException("--layers must be increasing, got " + Arrays.toString(layers));
            }
        }
    }
}
