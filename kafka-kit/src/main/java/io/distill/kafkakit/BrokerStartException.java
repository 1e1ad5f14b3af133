package io.distill.kafkakit;

/** The embedded broker could not start; the message is one line an operator can act on. */
public final class BrokerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
