package io.distill.trainer;

/** A soft-label record made with another tokenizer than the student's: training on it would teach nonsense. */
public final class TokenizerMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerMismatchException(String message) {
        super(message);
    }
}
