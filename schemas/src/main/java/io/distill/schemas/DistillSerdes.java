package io.distill.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;

/** The serdes of the distill topics. Each call returns a new instance, so writer schemas registered on one stay there. */
public final class DistillSerdes {
    /**
     * SoftLabels as written before {@code TeacherIdentity.projectedFrom} existed: its records still decode, with
     * {@code projectedFrom} null.
     */
    static final String SOFT_LABELS_BEFORE_PROJECTION = "previous/SoftLabels-1.avsc";

    private DistillSerdes() {}

    public static AvroSerde<TextSample> textSample() {
        return new AvroSerde<>(TextSample.class);
    }

    public static AvroSerde<SoftLabels> softLabels() {
        return new AvroSerde<>(SoftLabels.class).withWriterSchema(previous(SOFT_LABELS_BEFORE_PROJECTION));
    }

    public static AvroSerde<CheckpointPublished> checkpointPublished() {
        return new AvroSerde<>(CheckpointPublished.class);
    }

    public static AvroSerde<CheckpointChunk> checkpointChunk() {
        return new AvroSerde<>(CheckpointChunk.class);
    }

    /** An earlier writer schema kept as a resource beside these classes. */
    static Schema previous(String resource) {
        try (InputStream in = DistillSerdes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " of the schemas jar");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
