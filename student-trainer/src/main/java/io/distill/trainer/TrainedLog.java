package io.distill.trainer;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Test support: appends one line {@code step<TAB>sampleId<TAB>window} per window right after the step that trained
 * on it, and {@code # resumed step=S} when a run starts from a checkpoint of step S. Lines go straight to the file
 * (no Java buffer), so a {@code kill -9} loses none that were written. Read with the resume lines in mind: a
 * restarted trainer continues from step S, so entries of later steps written before the crash belong to training
 * the crash threw away.
 */
final class TrainedLog implements AutoCloseable {
    private final OutputStream out;

    TrainedLog(Path file) throws IOException {
        this.out = new FileOutputStream(file.toFile(), true);
    }

    void resumed(long step) throws IOException {
        out.write(("# resumed step=" + step + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void trained(long step, List<TrainingWindow> windows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (TrainingWindow w : windows) {
            sb.append(step)
                    .append('\t')
                    .append(w.sampleId())
                    .append('\t')
                    .append(w.window())
                    .append('\n');
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
