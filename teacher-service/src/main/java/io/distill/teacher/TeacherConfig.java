package io.distill.teacher;

import io.distill.lm.codec.Codec;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.train.SoftTargets;
import io.distill.schemas.Topics;
import java.time.Duration;
import java.util.Objects;

/**
 * What the teacher topology does, validated on construction: topics, codec and temperature, windowing, batching and
 * the input size cap. Kafka client settings and the application id are not here: they belong to the Streams
 * config, not to the topology.
 *
 * @param context positions per window (L); each window carries L + 1 tokens
 * @param stride tokens between the starts of consecutive windows of a document, 1..context
 * @param maxBatch windows per forward pass: a batch runs as soon as this many are buffered
 * @param maxWait a partial batch runs once the buffer has waited this long (as the punctuator, which ticks every
 *     quarter of it, sees it)
 * @param maxTextBytes input values larger than this go to the dead-letter topic unread
 * @param projectBytes publish next-byte distributions for byte-level students (tokenizer byte-v1) instead of the
 *     teacher's own tokens ({@code --project bytes}, docs/byte-bridge.md)
 */
public record TeacherConfig(
        String inputTopic,
        String outputTopic,
        String deadLetterTopic,
        Codec codec,
        float temperature,
        int context,
        int stride,
        int maxBatch,
        Duration maxWait,
        int maxTextBytes,
        boolean allowGaps,
        boolean projectBytes) {

    public static final float DEFAULT_TEMPERATURE = 2.0f;
    public static final int DEFAULT_CONTEXT = 128;
    public static final int DEFAULT_MAX_BATCH = 16;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(250);
    /** Kafka's default largest record is about 1 MB; nothing larger arrives unless the topic allows it. */
    public static final int DEFAULT_MAX_TEXT_BYTES = 1_000_000;

    public TeacherConfig {
        requireTopic("input", inputTopic);
        requireTopic("output", outputTopic);
        requireTopic("dead-letter", deadLetterTopic);
        Objects.requireNonNull(codec, "codec");
        SoftTargets.checkTemperature(temperature);
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1 position, got " + context);
        }
        if (stride < 1 || stride > context) {
            throw new IllegalArgumentException(
                    "stride must be between 1 and the context (" + context + "), got " + stride);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be at least 1 window, got " + maxBatch);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("max wait must be positive, got " + maxWait);
        }
        if (maxTextBytes < 1) {
            throw new IllegalArgumentException("max text bytes must be positive, got " + maxTextBytes);
        }
    }

    /**
     * Checks what only the model can tell: the window fits its context and top-k asks for no more ids than the
     * labels have (the model's vocabulary, or the byte vocabulary when projecting).
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public void checkFits(TeacherModel teacher) {
        if (context > teacher.context()) {
            throw new IllegalArgumentException(
                    "context " + context + " is longer than the model's context of " + teacher.context());
        }
        codec.checkVocabulary(projectBytes ? ByteTokenizer.VOCAB_SIZE : teacher.vocabSize());
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void requireTopic(String what, String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("the " + what + " topic needs a name");
        }
    }

    /** Defaults: the standard topics, topk:32 at T = 2, 128 positions with stride = context, 16 windows or 250 ms. */
    public static final class Builder {
        private boolean allowGaps;
        private boolean projectBytes;
        private String inputTopic = Topics.TEXT;
        private String outputTopic = Topics.SOFT_LABELS;
        private String deadLetterTopic = Topics.DEAD_LETTERS;
        private Codec codec = Codec.DEFAULT;
        private float temperature = DEFAULT_TEMPERATURE;
        private int context = DEFAULT_CONTEXT;
        private Integer stride;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private int maxTextBytes = DEFAULT_MAX_TEXT_BYTES;

        private Builder() {}

        public Builder inputTopic(String topic) {
            this.inputTopic = topic;
            return this;
        }

        public Builder outputTopic(String topic) {
            this.outputTopic = topic;
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        public Builder codec(Codec codec) {
            this.codec = codec;
            return this;
        }

        public Builder temperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder context(int context) {
            this.context = context;
            return this;
        }

        /** Unset means equal to the context: windows share only their boundary token. */
        public Builder stride(Integer stride) {
            this.stride = stride;
            return this;
        }

        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        public Builder maxTextBytes(int maxTextBytes) {
            this.maxTextBytes = maxTextBytes;
            return this;
        }

        /** Start when input records were deleted before they were labelled (logged and counted), instead of refusing. */
        public Builder allowGaps(boolean allowGaps) {
            this.allowGaps = allowGaps;
            return this;
        }

        /** Publish byte-level labels projected from the teacher's tokens ({@code --project bytes}). */
        public Builder projectBytes(boolean projectBytes) {
            this.projectBytes = projectBytes;
            return this;
        }

        public TeacherConfig build() {
            return new TeacherConfig(
                    inputTopic,
                    outputTopic,
                    deadLetterTopic,
                    codec,
                    temperature,
                    context,
                    stride == null ? context : stride,
                    maxBatch,
                    maxWait,
                    maxTextBytes,
                    allowGaps,
                    projectBytes);
        }
    }
}
