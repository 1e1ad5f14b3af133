package io.distill.teacher;

/** Input records were deleted before the teacher labelled them, and gaps are not allowed ({@link InputGaps}). */
public final class InputGapException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long lost;

    InputGapException(String message, long lost) {
        super(message);
        this.lost = lost;
    }

    /** Offsets deleted before they were read: records plus any transaction markers among them. */
    public long lost() {
        return lost;
    }
}
