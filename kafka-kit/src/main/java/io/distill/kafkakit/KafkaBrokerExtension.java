package io.distill.kafkakit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real Kafka broker: {@code @ExtendWith(KafkaBrokerExtension.class)}, then take an
 * {@link EmbeddedKafkaBroker} parameter in a constructor, a lifecycle method or a test. One broker serves the whole
 * test JVM (a start costs seconds); it stops when the JVM's tests are done. Tests share it, so each uses its own
 * topic names and group ids.
 */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // The root store lives as long as the test JVM and closes AutoCloseable values at its end.
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        EmbeddedKafkaBroker.class,
                        key -> EmbeddedKafkaBroker.startEphemeral(),
                        EmbeddedKafkaBroker.class);
    }
}
