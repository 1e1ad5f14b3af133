package io.distill.client;

import ai.djl.ndarray.NDManager;
import io.distill.lm.model.Gpt;
import io.distill.schemas.CheckpointPublished;
import java.nio.file.Path;

/**
 * A published checkpoint, verified and loaded: the model's parameters live in {@code manager}, which closing this
 * frees. Not thread-safe for inference; share it the way a DJL Predictor is shared.
 *
 * @param announcement what was announced
 * @param dir the unpacked bundle
 */
public record LoadedModel(CheckpointPublished announcement, Path dir, Gpt model, NDManager manager)
        implements AutoCloseable {

    public String student() {
        return announcement.getStudent();
    }

    public long version() {
        return announcement.getVersion();
    }

    @Override
    public void close() {
        manager.close();
    }
}
