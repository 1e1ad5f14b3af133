package io.distill.cli;

import io.distill.client.DownloadPolicy;
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
    CheckpointsCommand.Common common;

    @Override
    public Integer call() {
        Map<String, CheckpointPublished> latest =
                common.latest(common.connect(Path.of("."), DownloadPolicy.defaults()));
        if (latest.isEmpty()) {
            spec.commandLine().getErr().println(common.nothingAnnounced());
            return 1;
        }
        latest.values().forEach(a -> spec.commandLine().getOut().println(CheckpointsCommand.describe(a)));
        return 0;
    }
}
