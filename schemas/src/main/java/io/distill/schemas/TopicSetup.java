package io.distill.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics a distill stage needs when they are missing, with the settings they need (the checkpoint topic
 * is compacted). Existing topics are left as they are: their owner may have chosen other settings on purpose.
 */
public final class TopicSetup {
    private TopicSetup() {}

    /** What a topic needs when it has to be created. */
    public record Spec(String name, int partitions, boolean compacted) {
        public Spec {
            if (partitions < 1) {
                throw new IllegalArgumentException("a topic needs at least one partition, got " + partitions);
            }
        }

        NewTopic toNewTopic() {
            NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.empty());
            return compacted ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")) : topic;
        }
    }

    /**
     * The standard distill topics; {@code textPartitions} bounds how many teacher instances can share the input.
     */
    public static List<Spec> standard(int textPartitions) {
        return List.of(
                new Spec(Topics.TEXT, textPartitions, false),
                new Spec(Topics.SOFT_LABELS, textPartitions, false),
                new Spec(Topics.CHECKPOINTS, 1, true),
                new Spec(Topics.CHECKPOINT_ARTIFACTS, 1, true),
                new Spec(Topics.DEAD_LETTERS, 1, false));
    }

    /**
     * Creates whichever of {@code specs} do not exist yet.
     *
     * @return the names of the topics created
     */
    public static List<String> ensure(Admin admin, List<Spec> specs, long timeoutMs)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
        List<String> created = new ArrayList<>();
        for (Spec spec : specs) {
            if (existing.contains(spec.name())) {
                continue;
            }
            try {
                admin.createTopics(List.of(spec.toNewTopic())).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                created.add(spec.name());
            } catch (ExecutionException e) {
                // Another process created it between our listing and our request: that is fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }
}
