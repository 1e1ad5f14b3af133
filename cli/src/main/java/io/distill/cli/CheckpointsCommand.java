package io.distill.cli;

import io.distill.client.CheckpointClient;
import io.distill.client.CheckpointRefusedException;
import io.distill.client.DownloadPolicy;
import io.distill.client.FailureReasons;
import io.distill.schemas.CheckpointPublished;
import io.distill.schemas.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "checkpoints",
        description = {
            "Published student checkpoints: list the current one of each student, pull it (download, verify "
                    + "sha256, unpack), or follow new ones as they are published.",
            "",
            "Examples:",
            "  distill checkpoints list",
            "  distill checkpoints pull --student small --out models",
            "  distill checkpoints follow --student small --out models",
            ""
        },
        subcommands = {
            CheckpointsListCommand.class,
            CheckpointsPullCommand.class,
            CheckpointsFollowCommand.class,
            CommandLine.HelpCommand.class
        })
final class CheckpointsCommand implements Runnable {
    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the three subcommands read announcements: the broker, the topic, and every student or one. */
    static final class Common {
        @Mixin
        KafkaOptions kafka;

        @Option(
                names = "--checkpoints-topic",
                defaultValue = Topics.CHECKPOINTS,
                paramLabel = "TOPIC",
                description = "The announcement topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--student", paramLabel = "NAME", description = "Only this student (default: every student).")
        String student;

        Optional<String> student() {
            return Optional.ofNullable(student);
        }

        /**
         * A client on a broker known to answer (else a one-line error); it unpacks pulls under {@code workDir} and
         * downloads what {@code policy} allows.
         */
        CheckpointClient connect(Path workDir, DownloadPolicy policy) {
            kafka.connectAdmin().close();
            return new CheckpointClient(kafka.clientProperties(), topic, workDir, policy);
        }

        /** The latest announcement of each student, or of the one asked for. */
        Map<String, CheckpointPublished> latest(CheckpointClient client) {
            try {
                return client.latest(student(), kafka.timeout);
            } catch (IllegalStateException e) {
                throw new CliException(CliException.FAILED, e.getMessage(), e);
            }
        }

        String nothingAnnounced() {
            return "no checkpoint announced on " + topic
                    + student().map(s -> " for " + s).orElse("");
        }
    }

    /** The options of the subcommands that pull: {@link Common}, and where to unpack. */
    static final class PullOptions {
        @Mixin
        Common common;

        @Option(
                names = "--out",
                defaultValue = "distill-data/pulled",
                paramLabel = "DIR",
                description = "Where to unpack (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(
                names = "--format",
                defaultValue = "bundle",
                paramLabel = "FORMAT",
                description = "bundle, or hf to also write a student of a Hugging Face teacher as a Hugging Face "
                        + "directory at OUT/STUDENT/VERSION-hf (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(
                names = "--allow-file-uris",
                description = "Also follow file:// artifact URIs (to regular files only), as a trainer without HTTP "
                        + "(--http-port -1) announces them. Without it only http(s) URIs are downloaded.")
        boolean allowFileUris;

        /** Checks --format before anything is downloaded. */
        boolean huggingFace() {
            return switch (format) {
                case "bundle" -> false;
                case "hf" -> true;
                default ->
                    throw new CliException(CliException.BAD_INPUT, "--format must be bundle or hf, got " + format);
            };
        }

        CheckpointClient connect() {
            return common.connect(out, DownloadPolicy.defaults().withFileUris(allowFileUris));
        }
    }

    /** One line per announcement: student, version, step, tokens, format, size, age, holdout figure, uri. */
    static String describe(CheckpointPublished a) {
        Map<String, Double> m = new TreeMap<>(a.getMetrics());
        Double bpb = m.get("holdout_bits_per_byte");
        return String.format(
                Locale.ROOT,
                "%s v%d  step %,d  %,d tokens  %s  %,d bytes  %s  holdout %s bits/byte  %s",
                a.getStudent(),
                a.getVersion(),
                a.getStep(),
                a.getTokensSeen(),
                a.getFormat().name().toLowerCase(Locale.ROOT),
                a.getSizeBytes(),
                Instant.ofEpochMilli(a.getCreatedAt().toEpochMilli()),
                bpb == null ? "-" : String.format(Locale.ROOT, "%.3f", bpb),
                a.getUri());
    }

    /** Pulls one announcement and tells where it went, or fails in one line. */
    static Path pull(CheckpointClient client, CheckpointPublished a, Path out, PrintWriter stdout) {
        try {
            Path dir = client.pull(a, out);
            stdout.println("pulled " + a.getStudent() + " v" + a.getVersion() + " (sha256 verified) to " + dir);
            stdout.flush();
            return dir;
        } catch (CheckpointRefusedException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.FAILED, "cannot pull " + a.getUri() + ": " + FailureReasons.of(e), e);
        }
    }
}
