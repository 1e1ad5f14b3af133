package io.distill.lm.bytes;

import java.util.Optional;

/**
 * A token-level language model as the byte projection sees it: the next-token distribution after a context, for the
 * contexts it has evaluated.
 *
 * <p>A model that answers every context makes the projection exact (a test's hand-written model). A teacher answers
 * only the prefixes of the text's own tokenization, one forward pass per token position ({@link CanonicalPath}); the
 * projection guesses the next-token distribution of any other context it meets ({@link DroppedCoverGuess}, see {@code
 * docs/byte-bridge.md}).
 */
public interface TokenModel {

    /**
     * p(next token | context) over the whole vocabulary (probabilities, not logs), or empty when this model has no
     * forward pass for {@code context}.
     */
    Optional<double[]> next(int[] context);
}
