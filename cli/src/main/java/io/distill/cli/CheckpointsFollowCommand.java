package io.distill.cli;

import io.distill.client.CheckpointClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "follow",
        description = "Print the current checkpoint of each student (or of --student), then every new one as it is "
                + "announced, and pull each (verified) into OUT/STUDENT/VERSION. Runs until Ctrl-C. A checkpoint "
                + "that fails its sha256 is reported and skipped.")
final class CheckpointsFollowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointsCommand.PullOptions options;

    @Override
    @SuppressWarnings("try") // the shutdown hook is a scope: it stands while the command runs
    public Integer call() throws InterruptedException {
        CheckpointClient client = options.connect();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try (GracefulShutdown shutdown = new GracefulShutdown("follow-shutdown", client::close)) {
            client.follow(options.common.student(), a -> {
                stdout.println(CheckpointsCommand.describe(a));
                try {
                    CheckpointsCommand.pull(client, a, options.out, stdout);
                } catch (CliException e) {
                    stderr.println("follow: " + e.getMessage()); // one bad checkpoint does not stop the following
                }
                stdout.flush();
                stderr.flush();
            });
        } catch (IllegalStateException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        }
        return 0;
    }
}
