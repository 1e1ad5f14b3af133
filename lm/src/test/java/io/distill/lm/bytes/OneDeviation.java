package io.distill.lm.bytes;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A teacher that answers the text's own prefixes from its one forward pass ({@link CanonicalPath}) and, with one more
 * forward pass each (memoised), every context that leaves that path in its last token only: the covers Phan et al.
 * evaluate for a canonical model (a canonical prefix, then any token), one extra pass per split point instead of per
 * token. Contexts that leave the path earlier are still dropped.
 */
final class OneDeviation implements TokenModel {
    private final CanonicalPath path;
    private final int pathLength;
    private final Gpt model;
    private final NDManager manager;
    private final Map<String, double[]> evaluated = new HashMap<>();

    OneDeviation(CanonicalPath path, int pathLength, Gpt model, NDManager manager) {
        this.path = path;
        this.pathLength = pathLength;
        this.model = model;
        this.manager = manager;
    }

    /** Forward passes run besides the path's. */
    int extraForwards() {
        return evaluated.size();
    }

    @Override
    public Optional<double[]> next(int[] context) {
        Optional<double[]> onPath = path.next(context);
        if (onPath.isPresent() || context.length < 2 || context.length - 1 > pathLength) {
            return onPath;
        }
        if (path.next(Arrays.copyOf(context, context.length - 1)).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(evaluated.computeIfAbsent(Arrays.toString(context), k -> {
            float[] last = ProjectedText.logProbs(model, manager, context)[context.length - 1];
            double[] p = new double[last.length];
            for (int v = 0; v < p.length; v++) {
                p[v] = Math.exp(last[v]);
            }
            return p;
        }));
    }
}
