package io.distill.cli;

import io.distill.client.CheckpointClient;
import io.distill.client.CheckpointRefusedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
    public Integer call() throws InterruptedException {
        kafka.connectAdmin().close();
        CheckpointClient client = common.client(kafka, out);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    client.close();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "follow-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try {
            client.follow(common.student(), a -> {
                stdout.println(CheckpointsCommand.describe(a));
                try {
                    Path dir = client.pull(a, out);
                    stdout.println("pulled " + a.getStudent() + " v" + a.getVersion() + " (sha256 verified) to " + dir);
                } catch (CheckpointRefusedException e) {
                    stderr.println("follow: " + e.getMessage());
                } catch (IOException e) {
                    stderr.println("follow: cannot pull " + a.getUri() + ": " + e.getMessage());
                }
                stdout.flush();
                stderr.flush();
            });
        } catch (IllegalStateException e) {
            throw new CliException(CliException.FAILED, e.getMessage(), e);
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        return 0;
    }
}
