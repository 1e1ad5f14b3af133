package io.distill.cli;

import io.distill.client.CheckpointClient;
import io.distill.lm.hf.HfExport;
import io.distill.schemas.CheckpointPublished;
import java.nio.file.Path;
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
        boolean huggingFace = options.huggingFace();
        CheckpointClient client = options.connect();
        Map<String, CheckpointPublished> latest = options.common.latest(client);
        if (latest.isEmpty()) {
            throw new CliException(CliException.FAILED, options.common.nothingAnnounced());
        }
        for (CheckpointPublished a : latest.values()) {
            Path dir = CheckpointsCommand.pull(
                    client, a, options.out, spec.commandLine().getOut());
            if (huggingFace) {
                Path hf = dir.resolveSibling(dir.getFileName() + "-hf");
                ExportCommand.toHuggingFace(dir, hf, HfExport.Dtype.F32);
                spec.commandLine().getOut().println("wrote the Hugging Face model to " + hf);
            }
        }
        return 0;
    }
}
