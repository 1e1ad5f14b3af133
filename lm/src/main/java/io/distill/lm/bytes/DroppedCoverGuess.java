package io.distill.lm.bytes;

/**
 * What the walk does with a cover whose completed context c·v the teacher never ran (docs/byte-bridge.md): its mass
 * stays in the position's total and walks on as a cover whose next-token distribution is guessed from the nearest
 * context the teacher did run, at or before the byte where v ends. The guess never looks at the text's byte there or
 * later: the nearest context is fixed by the bytes before it, and the mask below by the vocabulary alone.
 */
public enum DroppedCoverGuess {
    /** The former approximation, as a baseline: the dropped mass is renormalised away onto the kept covers. */
    RENORMALISE,
    /**
     * (a) p(· | nearest run context): what a token starts with there, as the next token after v.
     */
    FIRST_BYTES,
    /**
     * (b) as (a), without the tokens whose first byte would extend v into a longer vocabulary entry (Phan et al.'s
     * validity of a token pair, by first byte: a canonical model does not continue "hel" with "l" when the tokenizer
     * would have spelled "hell" as one token), renormalised.
     */
    UNMERGED_FIRST_BYTES,
    /**
     * (c) as (b), and a dropped token that spells the same bytes as a token the teacher ran from the same cover (Llama
     * 2's "&lt;0x61&gt;" beside "a") is removed, not guessed: the tokenizer chose the other one for those bytes there, so
     * a canonical model gives it no mass (Phan et al.'s canonical model drops it as well).
     */
    CANONICAL;

    /**
     * @param nearest the next-token distribution of the nearest context the teacher ran
     * @param node the trie node of the dropped cover's last token v, exactly its bytes
     */
    TokenMass guess(TokenMass nearest, int node) {
        return this == FIRST_BYTES ? nearest : nearest.withoutExtensionsOf(node);
    }
}
