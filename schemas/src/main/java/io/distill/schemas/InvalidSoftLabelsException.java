package io.distill.schemas;

/** A SoftLabels record whose payload is inconsistent or not finite; it belongs in the dead-letter topic. */
public final class InvalidSoftLabelsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the payload was refused, as a dead-letter reason. */
    public enum Reason {
        MALFORMED_PAYLOAD,
        NON_FINITE
    }

    private final Reason reason;

    public InvalidSoftLabelsException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
