package io.distill.lm.artifact;

import java.nio.file.Path;

/**
 * A checkpoint or bundle directory just written: what a {@code CheckpointPublished} record announces.
 *
 * @param dir the directory
 * @param sha256 lower-case hex sha256 of its {@code manifest.json}, which lists the sha256 of every other file, so
 *     this one hash pins the whole directory
 * @param sizeBytes total size of its files, manifest included
 */
public record Artifact(Path dir, String sha256, long sizeBytes) {}
