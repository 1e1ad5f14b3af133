package io.distill.kafkakit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secured broker really authenticates over TLS and really authorizes by ACL. */
class SecuredKafkaBrokerIT {
    @Test
    void scramOverTlsAuthenticatesAndAclsAuthorize(@TempDir Path dir) throws Exception {
        try (SecuredKafkaBroker broker = SecuredKafkaBroker.start(dir)) {
            broker.addUser("alice", "alice-secret");
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("granted", 1, (short) 1), new NewTopic("other", 1, (short) 1)))
                        .all()
                        .get();
                admin.createAcls(List.of(new AclBinding(
                                new ResourcePattern(ResourceType.TOPIC, "granted", PatternType.LITERAL),
                                new AccessControlEntry(
                                        "User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                        .all()
                        .get();
            }
            try (KafkaProducer<String, String> producer = producer(broker.clientProperties("alice", "alice-secret"))) {
                assertEquals(
                        0,
                        producer.send(new ProducerRecord<>("granted", "v"))
                                .get(30, TimeUnit.SECONDS)
                                .offset());
                ExecutionException denied =
                        assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("other", "v"))
                                .get(30, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, denied.getCause());
            }
            try (KafkaProducer<String, String> producer = producer(broker.clientProperties("alice", "wrong"))) {
                ExecutionException refused =
                        assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("granted", "v"))
                                .get(30, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, refused.getCause());
            }
        }
    }

    private static KafkaProducer<String, String> producer(Properties props) {
        props.put("max.block.ms", "20000");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
