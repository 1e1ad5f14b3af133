package io.distill.cli;

import java.util.Optional;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * A broker's refusal found anywhere in a failure's causes, as one line: a wrong password or mechanism (SASL, TLS) is
 * {@code authentication failed: ...}, a missing ACL is {@code not authorized: ...} with Kafka's message naming the
 * topic, group or transactional id.
 */
final class KafkaRefusal {
    private KafkaRefusal() {}

    static Optional<String> describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return Optional.of("authentication failed: " + oneLine(t));
            }
            if (t instanceof AuthorizationException) {
                return Optional.of(
                        "not authorized: " + oneLine(t) + " (see docs/security.md for the ACLs each command needs)");
            }
        }
        return Optional.empty();
    }

    private static String oneLine(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
