package io.distill.cli;

import io.distill.client.CheckpointClient;
import io.distill.schemas.CheckpointPublished;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "pull",
        description = "Download the latest checkpoint of each student (or of --student), verify its sha256 and "
                + "unpack it to OUT/STUDENT/VERSION, a model directory for `distill generate` and `distill eval`.")
final class CheckpointsPullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    CheckpointsCommand.Common common;

    @Option(
            names = "--out",
            defaultValue = "distill-data/pulled",
            paramLabel = "DIR",
            description = "Where to unpack (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        kafka.connectAdmin().close();
        CheckpointClient client = common.client(kafka, out);
        Map<String, CheckpointPublished> latest;
        try {
            latest = client.latest(common.student(), kafka.timeout);
        } catch (IllegalStateException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        }
        if (latest.isEmpty()) {
            throw new CliException(
                    CliException.FAILED,
                    "no checkpoint announced on " + common.topic
                            + common.student().map(s -> " for " + s).orElse(""));
        }
        for (CheckpointPublished a : latest.values()) {
            CheckpointsCommand.pull(client, a, out, spec.commandLine().getOut());
        }
        return 0;
    }
}
