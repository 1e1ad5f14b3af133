package io.distill.kafkakit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionIT {
    private final EmbeddedKafkaBroker fromConstructor;

    KafkaBrokerExtensionIT(EmbeddedKafkaBroker broker) {
        this.fromConstructor = broker;
    }

    @Test
    void oneBrokerServesTheWholeJvm(EmbeddedKafkaBroker fromMethod) throws Exception {
        assertSame(fromConstructor, fromMethod);
        EmbeddedKafkaBrokerIT.produce(fromMethod.bootstrapServers(), "extension-topic", List.of("x"));
        assertEquals(List.of("x"), EmbeddedKafkaBrokerIT.consume(fromMethod.bootstrapServers(), "extension-topic", 1));
    }
}
