package io.distill.cli;

import io.distill.schemas.Topics;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/** The ACLs docs/security.md lists for each distill service, with the default topic names, as Kafka bindings. */
final class SecurityAcls {
    private SecurityAcls() {}

    /** {@code distill feed}: write the text topic. */
    static List<AclBinding> feed(String principal, String textTopic) {
        return List.of(topic(principal, textTopic, AclOperation.WRITE), idempotentWrite(principal));
    }

    /** The teacher service (Kafka Streams, exactly once) with application id {@code appId}. */
    static List<AclBinding> teacher(String principal, String appId) {
        return List.of(
                topicRead(principal, Topics.TEXT),
                topic(principal, Topics.SOFT_LABELS, AclOperation.WRITE),
                topic(principal, Topics.DEAD_LETTERS, AclOperation.WRITE),
                acl(principal, ResourceType.TOPIC, appId + "-", PatternType.PREFIXED, AclOperation.ALL),
                acl(principal, ResourceType.GROUP, appId, PatternType.LITERAL, AclOperation.READ),
                acl(principal, ResourceType.TRANSACTIONAL_ID, appId + "-", PatternType.PREFIXED, AclOperation.WRITE),
                idempotentWrite(principal));
    }

    /** The trainer of {@code student}: its soft labels and group, its announcements, chunks and publisher. */
    static List<AclBinding> trainer(String principal, String student) {
        return List.of(
                topicRead(principal, Topics.SOFT_LABELS),
                acl(
                        principal,
                        ResourceType.GROUP,
                        "distill-student-" + student,
                        PatternType.LITERAL,
                        AclOperation.READ),
                topic(principal, Topics.CHECKPOINTS, AclOperation.WRITE),
                topic(principal, Topics.CHECKPOINT_ARTIFACTS, AclOperation.WRITE),
                topic(principal, Topics.DEAD_LETTERS, AclOperation.WRITE),
                acl(
                        principal,
                        ResourceType.TRANSACTIONAL_ID,
                        "distill-publisher-" + student,
                        PatternType.LITERAL,
                        AclOperation.WRITE),
                idempotentWrite(principal));
    }

    /** {@code distill checkpoints list|pull|follow} and {@code CheckpointClient}: read two topics, no group. */
    static List<AclBinding> checkpointConsumer(String principal) {
        return List.of(topicRead(principal, Topics.CHECKPOINTS), topicRead(principal, Topics.CHECKPOINT_ARTIFACTS));
    }

    static AclBinding topicRead(String principal, String topic) {
        return topic(principal, topic, AclOperation.READ);
    }

    private static AclBinding topic(String principal, String topic, AclOperation operation) {
        return acl(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, operation);
    }

    private static AclBinding idempotentWrite(String principal) {
        return acl(
                principal, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE);
    }

    private static AclBinding acl(
            String principal, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
