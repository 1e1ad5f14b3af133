package io.distill.teacher;

import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A teacher service with the tiny model in a JVM of its own, for {@link TeacherCrashIT} to kill: prints READY once
 * the stream is RUNNING, then runs until killed, stopped (SIGTERM closes it cleanly), or its parent JVM goes away.
 *
 * <p>Arguments: bootstrap, application id, topic prefix, context, commit interval in ms.
 */
public final class TeacherChild {
    private TeacherChild() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String applicationId = args[1];
        String prefix = args[2];
        int context = Integer.parseInt(args[3]);
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", bootstrap);
        kafka.put("session.timeout.ms", "6000");
        kafka.put("heartbeat.interval.ms", "1000");
        // Long transactions, so that a kill lands inside one that already holds output and changelog records.
        kafka.put("commit.interval.ms", args[4]);
        TeacherConfig config = TeacherConfig.builder()
                .inputTopic(prefix + ".text")
                .outputTopic(prefix + ".soft-labels")
                .deadLetterTopic(prefix + ".dead-letters")
                .context(context)
                .maxBatch(8)
                .maxWait(Duration.ofMillis(300))
                .build();
        watchParent();
        try (NDManager manager = NDManager.newBaseManager();
                TeacherService service =
                        new TeacherService(new TeacherService.Options(applicationId, config, kafka, 0))) {
            Runtime.getRuntime().addShutdownHook(new Thread(service::close, "child-shutdown"));
            service.start(TinyTeacher.create(manager));
            while (service.state() != KafkaStreams.State.RUNNING) {
                if (service.state() == KafkaStreams.State.ERROR) {
                    System.out.println("FAILED");
                    System.exit(1);
                }
                Thread.sleep(50);
            }
            System.out.println("READY");
            System.out.flush();
            KafkaStreams.State end = service.awaitStopped();
            System.out.println("STOPPED " + end);
        }
    }

    /** Exits when the parent JVM is gone, so a crashed test never leaves this JVM behind. */
    private static void watchParent() {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        Thread watcher = new Thread(
                () -> {
                    while (parent.isAlive()) {
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    Runtime.getRuntime().halt(3);
                },
                "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
