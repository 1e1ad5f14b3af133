package io.distill.cli;

import io.distill.schemas.CheckpointPublished;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Print the latest announced checkpoint of each student (or of --student).")
final class CheckpointsListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    CheckpointsCommand.Common common;

    @Override
    public Integer call() {
        kafka.connectAdmin().close();
        Map<String, CheckpointPublished> latest;
        try {
            latest = common.client(kafka, Path.of(".")).latest(common.student(), kafka.timeout);
        } catch (IllegalStateException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        }
        if (latest.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("no checkpoint announced on " + common.topic
                            + common.student().map(s -> " for " + s).orElse(""));
            return 1;
        }
        latest.values().forEach(a -> spec.commandLine().getOut().println(CheckpointsCommand.describe(a)));
        return 0;
    }
}
