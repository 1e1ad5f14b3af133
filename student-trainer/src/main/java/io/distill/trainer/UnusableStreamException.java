package io.distill.trainer;

/**
 * A soft-label record this student can never train on, so the stream or the student is misconfigured: made with
 * another tokenizer (training on it would teach nonsense), or with a codec the student's loss is not defined for.
 */
public final class UnusableStreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnusableStreamException(String message) {
        super(message);
    }
}
