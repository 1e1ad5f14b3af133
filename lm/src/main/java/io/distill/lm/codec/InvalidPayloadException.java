package io.distill.lm.codec;

/** A soft-label payload that is inconsistent, not finite or of an unknown layout; it belongs in the dead-letter topic. */
public final class InvalidPayloadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the payload was refused, as a dead-letter reason. */
    public enum Reason {
        MALFORMED_PAYLOAD,
        NON_FINITE,
        /**
         * The leading layout byte, or the id encoding byte after it, names a layout this build does not know (written
         * by a newer or foreign teacher).
         */
        UNKNOWN_LAYOUT
    }

    private final Reason reason;

    public InvalidPayloadException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static InvalidPayloadException malformed(String message) {
        return new InvalidPayloadException(Reason.MALFORMED_PAYLOAD, message);
    }

    static InvalidPayloadException nonFinite(String message) {
        return new InvalidPayloadException(Reason.NON_FINITE, message);
    }
}
