package io.distill.trainer;

import io.distill.lm.model.LmConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The trainer as its own process, for the kill -9 test: {@code TrainerChild BOOTSTRAP TOPIC CHECKPOINT_DIR LOG}.
 * SIGTERM stops it the way {@code distill train} stops: finish the step, checkpoint, exit.
 */
public final class TrainerChild {
    static final double HOLDOUT_PERCENT = 10;

    private TrainerChild() {}

    public static void main(String[] args) throws Exception {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[0]);
        String topic = args[1];
        TrainerConfig config = TrainerConfig.builder("crash", LmConfig.named("tiny"), kafka, Path.of(args[2]))
                .topics(topic, topic + ".checkpoints", topic + ".dead-letters")
                .batch(4, Duration.ofMillis(300))
                .learningRate(3e-3f, 5)
                .checkpointEvery(10, Duration.ofSeconds(2), 2)
                .holdout(HOLDOUT_PERCENT, 32)
                .progressEvery(Duration.ofSeconds(2))
                .trainedLog(Path.of(args[3]))
                .build();
        StudentTrainer trainer = new StudentTrainer(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            trainer.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            trainer.run();
        } finally {
            done.countDown();
        }
    }
}
