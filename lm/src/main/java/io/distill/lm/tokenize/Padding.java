package io.distill.lm.tokenize;

/**
 * Right padding of windows of unequal length, for every tokenizer: real vocabularies have no padding id of their
 * own (GPT-2, Llama 3), so padding is a value no tokenizer hands out. A position whose target is {@link #PAD} is
 * never scored; a padded input position is fed as id 0, which attention, being causal, never lets reach a real
 * position.
 */
public final class Padding {

    /** No token: the target of a padded position. */
    public static final int PAD = -1;

    private Padding() {}

    /** The id to feed the model at a position holding {@code id}: the id itself, or 0 for padding. */
    public static long input(int id) {
        return id == PAD ? 0 : id;
    }
}
