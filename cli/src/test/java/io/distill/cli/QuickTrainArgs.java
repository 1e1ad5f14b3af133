package io.distill.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code distill train} command line the pipeline ITs run on their test broker: fp32, batches of 2 that wait at
 * most 200 ms, a checkpoint every 2 steps and no HTTP port, so a checkpoint appears within seconds of the labels.
 */
final class QuickTrainArgs {
    private QuickTrainArgs() {}

    /**
     * @param student the student's name
     * @param more the rest: the student's model ({@code --size}, {@code --init-from-teacher}) and anything else
     */
    static String[] of(
            String bootstrap,
            String labelsTopic,
            String checkpointsTopic,
            Path checkpoints,
            String student,
            String... more) {
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--student",
                student,
                "--precision",
                "fp32",
                "--bootstrap",
                bootstrap,
                "--soft-labels-topic",
                labelsTopic,
                "--checkpoints-topic",
                checkpointsTopic,
                "--checkpoint-dir",
                checkpoints.toString(),
                "--checkpoint-every-steps",
                "2",
                "--checkpoint-every-seconds",
                "0",
                "--batch",
                "2",
                "--batch-wait",
                "200ms",
                "--http-port",
                "-1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }
}
