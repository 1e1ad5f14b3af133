package io.distill.cli;

import io.distill.client.CheckpointClient;
import io.distill.schemas.CheckpointPublished;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "pull",
        description = "Download the latest checkpoint of each student (or of --student), verify its sha256 and "
                + "unpack it to OUT/STUDENT/VERSION, a model directory for `distill generate` and `distill eval`.")
final class CheckpointsPullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointsCommand.PullOptions options;

    @Override
    public Integer call() {
        CheckpointClient client = options.connect();
        Map<String, CheckpointPublished> latest = options.common.latest(client);
        if (latest.isEmpty()) {
            throw new CliException(CliException.FAILED, options.common.nothingAnnounced());
        }
        for (CheckpointPublished a : latest.values()) {
            CheckpointsCommand.pull(client, a, options.out, spec.commandLine().getOut());
        }
        return 0;
    }
}
