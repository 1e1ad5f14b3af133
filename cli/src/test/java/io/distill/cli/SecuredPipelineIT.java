package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.kafkakit.SecuredKafkaBroker;
import io.distill.schemas.Topics;
import io.distill.trainer.StudentTrainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole pipeline against a broker that authenticates (SASL_SSL: SCRAM-SHA-512 over TLS) and authorizes (KRaft's
 * StandardAuthorizer, nothing allowed without an ACL), with each service given exactly the ACLs docs/security.md
 * lists and its settings only in a {@code --kafka-config} file: feed, teacher, trainer publishing to Kafka, pull.
 * Then a wrong password, and a reader, the trainer, the feeder and the teacher each missing one ACL, fail in one line
 * with a non-zero exit.
 */
class SecuredPipelineIT {
    private static final String STUDENT = "secure";

    @Test
    void feedTeacherTrainerAndPullWorkOverSaslSslWithTheDocumentedAclsOnly(@TempDir Path dir) throws Exception {
        try (SecuredKafkaBroker broker = SecuredKafkaBroker.start(dir.resolve("broker"))) {
            createTopics(broker);
            Path feeder = user(broker, dir, "feeder");
            Path teacherUser = user(broker, dir, "teacher");
            Path trainerUser = user(broker, dir, "trainer");
            Path reader = user(broker, dir, "reader");
            allow(broker, SecurityAcls.feed("User:feeder", Topics.TEXT));
            allow(broker, SecurityAcls.teacher("User:teacher", "distill-teacher"));
            allow(broker, SecurityAcls.trainer("User:trainer", STUDENT));
            allow(broker, SecurityAcls.checkpointConsumer("User:reader"));

            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                lines.add("line " + i + " of text the teacher labels for a student over SASL_SSL.");
            }
            Path text = Files.write(dir.resolve("text.txt"), lines);
            CliRun fed = CliRun.of("feed", "--kafka-config", feeder.toString(), text.toString());
            assertEquals(0, fed.exitCode(), fed.err());

            StringWriter teacherErr = new StringWriter();
            AtomicInteger teacherExit = new AtomicInteger(-1);
            Thread teacher = new Thread(
                    () -> teacherExit.set(quiet(Distill.commandLine(Map.of("DISTILL_MAX_WAIT", "100ms")), teacherErr)
                            .execute(
                                    "teacher",
                                    "--kafka-config",
                                    teacherUser.toString(),
                                    "--model-size",
                                    "tiny",
                                    "--context",
                                    "32",
                                    "--http-port",
                                    "0")));
            teacher.start();
            StudentTrainer trainer = trainer(trainerUser, dir.resolve("checkpoints"));
            AtomicReference<Throwable> trainFailure = new AtomicReference<>();
            Thread training = new Thread(() -> {
                try {
                    trainer.run();
                } catch (Throwable t) {
                    trainFailure.set(t);
                }
            });
            training.start();
            try {
                await(
                        "a published checkpoint",
                        () -> trainer.metrics().checkpointsPublished() >= 1
                                || trainFailure.get() != null
                                || !teacher.isAlive());
            } finally {
                trainer.stop();
                training.join(60_000);
                teacher.interrupt();
                teacher.join(60_000);
            }
            assertEquals(null, trainFailure.get());
            assertEquals(0, teacherExit.get(), teacherErr.toString());

            Path out = dir.resolve("pulled");
            CliRun pull = pull(reader, out);
            assertEquals(0, pull.exitCode(), pull.err());
            assertTrue(pull.out().contains("sha256 verified"), pull.out());
            try (Stream<Path> versions = Files.list(out.resolve(STUDENT))) {
                assertTrue(
                        Files.isRegularFile(versions.findFirst().orElseThrow().resolve("config.json")));
            }

            Path wrong = dir.resolve("wrong.properties");
            Files.writeString(wrong, Files.readString(reader).replace("reader-secret", "not-the-password"));
            CliRun denied = CliRun.of("checkpoints", "list", "--kafka-config", wrong.toString(), "--timeout", "20s");
            assertEquals(CliException.FAILED, denied.exitCode(), denied.err());
            assertEquals(1, denied.errLines().length, denied.err());
            assertTrue(denied.err().contains("authentication failed"), denied.err());

            revoke(broker, SecurityAcls.topicRead("User:reader", Topics.CHECKPOINT_ARTIFACTS));
            CliRun unauthorized = pull(reader, dir.resolve("again"));
            assertEquals(CliException.FAILED, unauthorized.exitCode(), unauthorized.err());
            assertEquals(1, unauthorized.errLines().length, unauthorized.err());
            assertTrue(
                    unauthorized.err().contains("Not authorized to access topics: [distill.checkpoint-artifacts]"),
                    unauthorized.err());

            // The trainer without its transactional id, the feeder without WRITE on the text topic.
            revoke(broker, SecurityAcls.trainer("User:trainer", STUDENT).get(5));
            CliRun noTransactions = CliRun.of(
                    "train",
                    "--student",
                    STUDENT,
                    "--size",
                    "tiny",
                    "--kafka-config",
                    trainerUser.toString(),
                    "--checkpoint-dir",
                    dir.resolve("checkpoints").toString(),
                    "--http-port",
                    "-1");
            assertEquals(CliException.FAILED, noTransactions.exitCode(), noTransactions.err());
            assertTrue(
                    noTransactions.err().contains("not authorized: Transactional Id authorization failed"),
                    noTransactions.err());
            revoke(broker, SecurityAcls.feed("User:feeder", Topics.TEXT).get(0));
            CliRun noWrite = CliRun.of("feed", "--kafka-config", feeder.toString(), text.toString());
            assertEquals(CliException.FAILED, noWrite.exitCode(), noWrite.err());
            assertEquals(1, noWrite.errLines().length, noWrite.err());
            assertTrue(noWrite.err().contains("Authorization failed"), noWrite.err());
            // The teacher without its transactional id: Kafka Streams' thread fails, the command ends in one line.
            revoke(
                    broker,
                    SecurityAcls.teacher("User:teacher", "distill-teacher").get(5));
            CliRun noTeacherTransactions = assertTimeoutPreemptively(
                    Duration.ofSeconds(120),
                    () -> CliRun.of(
                            Map.of("DISTILL_MAX_WAIT", "100ms"),
                            "teacher",
                            "--kafka-config",
                            teacherUser.toString(),
                            "--model-size",
                            "tiny",
                            "--context",
                            "32",
                            "--http-port",
                            "0"));
            assertEquals(CliException.FAILED, noTeacherTransactions.exitCode(), noTeacherTransactions.err());
            String[] teacherSaid = noTeacherTransactions.errLines();
            assertTrue(
                    teacherSaid[teacherSaid.length - 1].startsWith(
                            "distill teacher: not authorized: Transactional Id authorization failed"),
                    noTeacherTransactions.err());
            assertTrue(
                    Stream.of(teacherSaid)
                            .allMatch(line -> line.startsWith("distill teacher: ") || line.startsWith("teacher: ")),
                    noTeacherTransactions.err());
            for (CliRun refusal : List.of(denied, unauthorized, noTransactions, noWrite, noTeacherTransactions)) {
                String[] said = refusal.errLines();
                System.out.println("refused: " + said[said.length - 1]);
            }
        }
    }

    private static CliRun pull(Path kafkaConfig, Path out) {
        return CliRun.of(
                "checkpoints",
                "pull",
                "--kafka-config",
                kafkaConfig.toString(),
                "--student",
                STUDENT,
                "--out",
                out.toString());
    }

    private static StudentTrainer trainer(Path kafkaConfig, Path checkpoints) {
        TrainCommand train = (TrainCommand) Distill.commandLine(Map.of())
                .parseArgs(
                        "train",
                        "--student",
                        STUDENT,
                        "--size",
                        "tiny",
                        "--precision",
                        "fp32",
                        "--kafka-config",
                        kafkaConfig.toString(),
                        "--checkpoint-dir",
                        checkpoints.toString(),
                        "--checkpoint-every-steps",
                        "2",
                        "--checkpoint-every-seconds",
                        "0",
                        "--batch",
                        "4",
                        "--batch-wait",
                        "200ms",
                        "--http-port",
                        "-1",
                        "--holdout-percent",
                        "10")
                .subcommand()
                .commandSpec()
                .userObject();
        return new StudentTrainer(train.config());
    }

    private static void createTopics(SecuredKafkaBroker broker) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(
                            new NewTopic(Topics.TEXT, 1, (short) 1),
                            new NewTopic(Topics.SOFT_LABELS, 1, (short) 1),
                            new NewTopic(Topics.CHECKPOINTS, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                            new NewTopic(Topics.CHECKPOINT_ARTIFACTS, 1, (short) 1)
                                    .configs(Map.of("cleanup.policy", "compact")),
                            new NewTopic(Topics.DEAD_LETTERS, 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    /** A SCRAM user NAME with password NAME-secret, and its client properties file. */
    private static Path user(SecuredKafkaBroker broker, Path dir, String name) throws Exception {
        broker.addUser(name, name + "-secret");
        Properties props = broker.clientProperties(name, name + "-secret");
        Path file = dir.resolve(name + ".properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "distill client settings of " + name);
        }
        return file;
    }

    private static void allow(SecuredKafkaBroker broker, List<AclBinding> acls) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createAcls(acls).all().get();
        }
    }

    private static void revoke(SecuredKafkaBroker broker, AclBinding acl) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.deleteAcls(List.of(acl.toFilter())).all().get();
        }
    }

    private static CommandLine quiet(CommandLine commandLine, StringWriter err) {
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
