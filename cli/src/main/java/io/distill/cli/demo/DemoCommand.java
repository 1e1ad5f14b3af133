// Over 350 lines on purpose: the demo's whole sequence (broker, teacher, services, feeder, summary) read top to bottom.
package io.distill.cli.demo;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.distill.cli.CliException;
import io.distill.cli.GracefulShutdown;
import io.distill.cli.ModelFiles;
import io.distill.client.CheckpointClient;
import io.distill.client.DownloadPolicy;
import io.distill.client.LoadedModel;
import io.distill.kafkakit.BrokerStartException;
import io.distill.kafkakit.EmbeddedKafkaBroker;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.TextCorpus;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.TopicSetup;
import io.distill.schemas.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "demo",
        description = {
            "Run the whole pipeline on this machine: a real Kafka broker, a teacher (pretrained on the corpus, or "
                    + "reused from the data dir), the teacher service and a student trainer, fed with the corpus. "
                    + "Shows live progress, publishes student checkpoints, and ends with a table comparing teacher "
                    + "and student and a report.html with the learning curves.",
            "",
            "--minutes bounds the whole run, teacher pretraining included. The default corpus is the project's "
                    + "own docs and sources; --corpus takes your text. Ctrl-C stops everything cleanly and still "
                    + "prints the summary.",
            "",
            "Examples:",
            "  distill demo",
            "  distill demo --minutes 5 --corpus my-notes.txt",
            ""
        })
public final class DemoCommand implements Callable<Integer> {
    private static final String STUDENT = "demo-student";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--minutes",
            defaultValue = "15",
            paramLabel = "M",
            description = "The whole run's time (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(
            names = "--corpus",
            defaultValue = "builtin",
            paramLabel = "FILE",
            description = "Text to distill on (default: ${DEFAULT-VALUE}, the project's own docs and sources).")
    Path corpus;

    @Option(
            names = "--data-dir",
            defaultValue = "distill-data",
            paramLabel = "DIR",
            description = "Broker data, teacher, checkpoints, logs and report.html (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--teacher-size",
            defaultValue = "teacher-15m",
            paramLabel = "SIZE",
            description = "Teacher size when one is pretrained (default: ${DEFAULT-VALUE}).")
    String teacherSize;

    @Option(
            names = "--student-size",
            defaultValue = "student-1m",
            paramLabel = "SIZE",
            description = "Student size (default: ${DEFAULT-VALUE}).")
    String studentSize;

    private final ServiceProbe probe = new ServiceProbe();
    private GracefulShutdown shutdown;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0)) {
            throw new CliException(CliException.BAD_INPUT, "--minutes must be positive, got " + minutes);
        }
        LmConfig teacherConfig = ModelFiles.namedSize(teacherSize);
        LmConfig studentConfig = ModelFiles.namedSize(studentSize);
        long deadline = System.nanoTime() + (long) (minutes * 60e9);
        PrintWriter out = spec.commandLine().getOut();
        StatusBoard board = new StatusBoard(out, System.console() != null);
        byte[] text = ModelFiles.readCorpus(corpus);
        TextCorpus split = corpusOf(text);
        Path data = dataDir.toAbsolutePath();
        Files.createDirectories(data);
        // Ctrl-C ends the feeding early; the exit waits up to 2 minutes for the services to stop and the summary
        try (GracefulShutdown shutdown = new GracefulShutdown("demo-shutdown", Duration.ofMinutes(2), () -> {});
                EmbeddedKafkaBroker broker = startBroker(data)) {
            this.shutdown = shutdown;
            board.event("demo: Kafka broker at " + broker.bootstrapServers() + ", data in " + data);
            Properties kafka = new Properties();
            kafka.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(kafka)) {
                TopicSetup.ensure(admin, TopicSetup.standard(2), 30_000);
            }
            Path teacherDir = new DemoTeacher(teacherSize, teacherConfig, board).prepare(data, text, split, deadline);
            List<DemoSample> samples = distill(broker, kafka, teacherDir, split, studentConfig, deadline, board, data);
            summarize(kafka, teacherDir, split, samples, data, out);
        }
        return 0;
    }

    /** Runs the teacher service and the trainer as child processes, feeds them, and shows progress. */
    private List<DemoSample> distill(
            EmbeddedKafkaBroker broker,
            Properties kafka,
            Path teacherDir,
            TextCorpus split,
            LmConfig studentConfig,
            long deadline,
            StatusBoard board,
            Path data)
            throws Exception {
        int teacherPort = freePort();
        int trainerPort = freePort();
        // One libtorch thread each: two processes each spinning two threads on two cores slow both down a lot. The
        // teacher's one stream thread too: its default second one would take the trainer's core.
        Map<String, String> oneThread = Map.of("OMP_NUM_THREADS", "1");
        Map<String, String> teacherOneThread = Map.of("OMP_NUM_THREADS", "1", "KAFKA_NUM_STREAM_THREADS", "1");
        List<DemoSample> samples = new ArrayList<>();
        long start = System.nanoTime();
        // Leave time for the last checkpoint and the summary (exports and evaluations of both models).
        long stopAt = deadline - Math.max(20_000_000_000L, (deadline - System.nanoTime()) / 4);
        try (ChildService teacher = ChildService.start(
                        "teacher",
                        List.of(
                                "teacher",
                                "--bootstrap",
                                broker.bootstrapServers(),
                                "--model",
                                teacherDir.toString(),
                                "--application-id",
                                "distill-demo-teacher",
                                "--codec",
                                "topk:32",
                                "--temperature",
                                "2.0",
                                "--http-port",
                                Integer.toString(teacherPort)),
                        data.resolve("logs/teacher.log"),
                        teacherOneThread);
                ChildService trainer = ChildService.start(
                        "trainer",
                        List.of(
                                "train",
                                "--student",
                                STUDENT,
                                "--size",
                                studentSize,
                                "--bootstrap",
                                broker.bootstrapServers(),
                                "--checkpoint-dir",
                                data.resolve("checkpoints").toString(),
                                "--checkpoint-every-seconds",
                                "30",
                                "--holdout-percent",
                                "3",
                                "--http-port",
                                Integer.toString(trainerPort)),
                        data.resolve("logs/trainer.log"),
                        oneThread)) {
            board.event("demo: teacher service and trainer started; logs in " + data.resolve("logs"));
            CorpusFeeder feeder = new CorpusFeeder(
                    kafka,
                    Topics.TEXT,
                    new String(trainingText(split), StandardCharsets.UTF_8),
                    () -> (long) probe.teacherMetric(teacherPort, "distill_teacher_records_in_total")
                            .orElse(-1));
            Thread feeding = new Thread(feeder, "demo-feeder");
            feeding.setDaemon(true);
            feeding.start();
            while (System.nanoTime() < stopAt && !shutdown.isRequested()) {
                for (ChildService child : List.of(teacher, trainer)) {
                    if (!child.isAlive()) {
                        throw new CliException(
                                CliException.FAILED, "the " + child.name() + " stopped; see " + child.log());
                    }
                }
                DemoSample sample = sample((System.nanoTime() - start) / 1e9, teacherPort, trainerPort);
                samples.add(sample);
                board.show(statusLines(sample, feeder, trainerPort, stopAt));
                Thread.sleep(2000);
            }
            feeder.stop();
            board.event("demo: stopping: the trainer writes and publishes a last checkpoint");
            trainer.stop(120);
            teacher.stop(60);
        }
        return samples;
    }

    private DemoSample sample(double seconds, int teacherPort, int trainerPort) {
        Optional<JsonNode> status = probe.trainerStatus(trainerPort);
        JsonNode holdout = status.map(s -> s.path("holdout")).orElse(null);
        return new DemoSample(
                seconds,
                status.map(s -> s.path("tokens").asLong()).orElse(0L),
                status.map(s -> s.path("kdLoss").asDouble(Double.NaN)).orElse(Double.NaN),
                status.map(s -> s.path("ceLoss").asDouble(Double.NaN)).orElse(Double.NaN),
                holdout == null
                        ? Double.NaN
                        : holdout.path("holdout_bits_per_byte").asDouble(Double.NaN),
                holdout == null
                        ? Double.NaN
                        : holdout.path("teacher_bits_per_byte").asDouble(Double.NaN),
                probe.teacherMetric(teacherPort, "distill_teacher_tokens_per_second")
                        .orElse(Double.NaN),
                status.map(s -> s.path("tokensPerSecond").asDouble(Double.NaN)).orElse(Double.NaN));
    }

    private List<String> statusLines(DemoSample s, CorpusFeeder feeder, int trainerPort, long stopAt) {
        Optional<JsonNode> status = probe.trainerStatus(trainerPort);
        long published =
                status.map(j -> j.path("checkpointsPublished").asLong()).orElse(0L);
        long lag = status.map(j -> j.path("consumerLag").asLong(-1)).orElse(-1L);
        return List.of(
                String.format(
                        Locale.ROOT,
                        "fed      %,d documents (%,d per epoch)",
                        feeder.fed(),
                        feeder.documentsPerEpoch()),
                String.format(Locale.ROOT, "teacher  %,.0f tokens/s", s.teacherTokensPerSecond()),
                String.format(
                        Locale.ROOT,
                        "student  %,.0f tokens/s | %,d tokens | KD %.3f | CE %.3f | lag %,d",
                        s.trainerTokensPerSecond(),
                        s.studentTokens(),
                        s.kdLoss(),
                        s.ceLoss(),
                        lag),
                String.format(
                        Locale.ROOT,
                        "holdout  student %.3f bits/byte | teacher %.3f bits/byte | %d checkpoints published",
                        s.studentBitsPerByte(),
                        s.teacherBitsPerByte(),
                        published),
                String.format(
                        Locale.ROOT,
                        "time     %ds left (Ctrl-C stops cleanly)",
                        Math.max(0, (stopAt - System.nanoTime()) / 1_000_000_000L)));
    }

    /** Pulls the newest student checkpoint from the announcements, as any consumer would, and compares. */
    private void summarize(
            Properties kafka, Path teacherDir, TextCorpus split, List<DemoSample> samples, Path data, PrintWriter out)
            throws IOException {
        try (CheckpointClient client = new CheckpointClient(
                        kafka, Topics.CHECKPOINTS, data.resolve("pulled"), DownloadPolicy.defaults());
                NDManager manager = NDManager.newBaseManager()) {
            Map<String, CheckpointPublished> latest = client.latest(Optional.of(STUDENT), Duration.ofSeconds(15));
            CheckpointPublished announcement = latest.get(STUDENT);
            if (announcement == null) {
                throw new CliException(
                        CliException.FAILED,
                        "the trainer published no checkpoint; see " + data.resolve("logs/trainer.log"));
            }
            // The trainer has stopped; the artifact lives on in Kafka, where the client reads and verifies it.
            try (LoadedModel student = client.load(announcement)) {
                Gpt teacher = ModelFiles.load(teacherDir, Precision.FP32, manager);
                out.printf(
                        Locale.ROOT,
                        "%ndemo: checkpoints published; the newest is version %d after %,d tokens, announced at %s%n",
                        announcement.getVersion(),
                        announcement.getTokensSeen(),
                        announcement.getUri());
                out.printf(
                        Locale.ROOT,
                        "demo: pulled and verified from Kafka (sha256 %s) into %s%n%n",
                        announcement.getSha256(),
                        student.dir());
                // At most 16k held-out bytes: enough for the comparison, and it bounds the summary's time.
                int[] holdout = split.holdout();
                int[] sample = Arrays.copyOf(holdout, Math.min(holdout.length, 16 * 1024));
                List<DemoReport.Row> rows =
                        DemoSummary.compare(teacher, student.model(), sample, data.resolve("summary-bundles"), manager);
                DemoSummary.print(rows, out);
                Path report = data.resolve("report.html");
                DemoReport.write(report, "distill demo", samples, rows);
                out.println("\nreport: " + report);
            }
        }
    }

    private EmbeddedKafkaBroker startBroker(Path data) {
        try {
            return EmbeddedKafkaBroker.start(data.resolve("kafka"), 0, false, Map.of());
        } catch (BrokerStartException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        }
    }

    private static byte[] trainingText(TextCorpus split) {
        return ByteTokenizer.get().decode(split.trainPart());
    }

    private static TextCorpus corpusOf(byte[] text) {
        try {
            return TextCorpus.of(text, 0.05);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, "corpus: " + e.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
