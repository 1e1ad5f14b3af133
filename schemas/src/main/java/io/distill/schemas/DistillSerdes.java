package io.distill.schemas;

/** The serdes of the distill topics. Each call returns a new instance, so writer schemas registered on one stay there. */
public final class DistillSerdes {
    private DistillSerdes() {}

    public static AvroSerde<TextSample> textSample() {
        return new AvroSerde<>(TextSample.class);
    }

    public static AvroSerde<SoftLabels> softLabels() {
        return new AvroSerde<>(SoftLabels.class);
    }

    public static AvroSerde<CheckpointPublished> checkpointPublished() {
        return new AvroSerde<>(CheckpointPublished.class);
    }

    public static AvroSerde<CheckpointChunk> checkpointChunk() {
        return new AvroSerde<>(CheckpointChunk.class);
    }
}
