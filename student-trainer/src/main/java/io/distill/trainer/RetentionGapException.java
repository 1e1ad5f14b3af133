package io.distill.trainer;

/**
 * Records the trainer had not trained on yet were deleted from its input (retention ran while it was down or behind),
 * and gaps are not allowed ({@code --allow-gaps}). Nothing is saved on the way out: the checkpoint still points at the
 * first lost offset.
 */
public final class RetentionGapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long lost;

    RetentionGapException(String message, long lost) {
        super(message);
        this.lost = lost;
    }

    /** Offsets deleted before they were read: records plus any transaction markers among them. */
    public long lost() {
        return lost;
    }
}
