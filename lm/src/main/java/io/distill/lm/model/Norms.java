package io.distill.lm.model;

import ai.djl.nn.Block;
import ai.djl.nn.norm.LayerNorm;

/** The normalisation block a {@link LmConfig.Norm} names. */
final class Norms {

    private Norms() {}

    static Block create(LmConfig.Norm norm) {
        return switch (norm.kind()) {
            // DJL's LayerNorm normalises every non-batch axis by default, i.e. over (T, C); we normalise C only.
            case LAYER_NORM ->
                LayerNorm.builder().axis(2).optEpsilon(norm.eps()).build();
            case RMS_NORM -> new RmsNorm(norm.eps());
        };
    }
}
