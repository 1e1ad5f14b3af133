package io.distill.schemas;

/** Default topic names. Every service takes each of them as an option; these are the defaults. */
public final class Topics {
    /** Input text: {@link TextSample} records or plain UTF-8 values. */
    public static final String TEXT = "distill.text";
    /** Teacher output: {@link SoftLabels}, written exactly once per (sample id, window). */
    public static final String SOFT_LABELS = "distill.soft-labels";
    /** Compacted announcements of student checkpoints: {@link CheckpointPublished}, keyed by student name. */
    public static final String CHECKPOINTS = "distill.checkpoints";
    /**
     * Compacted published checkpoint artifacts in chunks: {@link CheckpointChunk}, keyed {@code student/version/index},
     * written in the announcement's transaction.
     */
    public static final String CHECKPOINT_ARTIFACTS = "distill.checkpoint-artifacts";
    /** Records no stage could process: original key and value bytes plus {@link DeadLetter} headers. */
    public static final String DEAD_LETTERS = "distill.dead-letters";

    private Topics() {}
}
