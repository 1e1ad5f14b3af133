package io.distill.bench;

import ai.djl.ndarray.NDManager;
import io.distill.lm.bytes.ByteProjection;
import io.distill.lm.bytes.DroppedCoverGuess;
import io.distill.lm.bytes.ProjectedText;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The chain rule of the byte projection on a model and a text (docs/byte-bridge.md): the text's bits per byte under
 * the projected next-byte distributions ({@link ProjectedText}, one forward per token) against the model's own
 * token-level bits per byte of the same tokens. The text is cut at line starts into segments whose tokenization fits
 * the model's context; each segment is one forward pass and one projection, as one teacher window is.
 */
public final class ChainRuleBenchmark {
    private ChainRuleBenchmark() {}

    /**
     * Totals over every segment.
     *
     * @param projectedNats the projection's negative log-likelihood, dummy prefix included
     * @param ownNats the model's own over the same tokens
     * @param boundaryNats the projection's {@code -ln P(a token ends at the segment's end)} ({@link
     *     ProjectedText#boundaryNats()})
     * @param droppedNats the mass in covers the teacher never ran ({@link ProjectedText#droppedNats()})
     * @param skippedLines lines longer than the context on their own, left out
     */
    public record Result(
            int segments,
            long bytes,
            double projectedNats,
            double ownNats,
            double boundaryNats,
            double droppedNats,
            int skippedLines,
            double seconds) {

        public double projectedBitsPerByte() {
            return projectedNats / bytes / Math.log(2);
        }

        public double ownBitsPerByte() {
            return ownNats / bytes / Math.log(2);
        }

        /** (projected - own) / own: 0 when the chain rule holds. */
        public double gap() {
            return (projectedNats - ownNats) / ownNats;
        }

        /**
         * The gap for "the tokens spell exactly each segment": the chain rule a canonical model satisfies exactly, where
         * {@link #gap()} scores "the segment, then anything" and so also counts the tokens that extend each segment's
         * last token.
         */
        public double gapAtBoundary() {
            return (projectedNats + boundaryNats - ownNats) / ownNats;
        }

        public double droppedBitsPerByte() {
            return droppedNats / bytes / Math.log(2);
        }
    }

    /**
     * Cuts {@code text} into segments of whole lines, each as many lines as fit {@code maxTokens} (with BOS when the
     * tokenizer adds one), up to {@code maxBytes} bytes of segments in all; a line that does not fit on its own is
     * counted and left out.
     */
    public static Segments segments(String text, Tokenizer tokenizer, int maxTokens, long maxBytes) {
        List<String> out = new ArrayList<>();
        int skipped = 0;
        long bytes = 0;
        StringBuilder segment = new StringBuilder();
        for (String line : text.split("(?<=\n)")) {
            if (tokenizer.encodeDocument(segment + line).length <= maxTokens) {
                segment.append(line);
                continue;
            }
            bytes += flush(segment, tokenizer, out);
            if (bytes >= maxBytes) {
                return new Segments(out, skipped);
            }
            if (tokenizer.encodeDocument(line).length <= maxTokens) {
                segment.append(line);
            } else {
                skipped++;
            }
        }
        flush(segment, tokenizer, out);
        return new Segments(out, skipped);
    }

    /** Segments of a text and the lines left out. */
    public record Segments(List<String> texts, int skippedLines) {}

    private static long flush(StringBuilder segment, Tokenizer tokenizer, List<String> out) {
        String s = segment.toString();
        segment.setLength(0);
        if (tokenizer.encodeDocument(s).length < 2) {
            return 0;
        }
        out.add(s);
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Projects every segment under {@code model} and adds up both sides of the chain rule, with {@code guess} for the
     * covers the one forward pass leaves out.
     */
    public static Result run(
            Gpt model, Tokenizer tokenizer, Segments segments, NDManager manager, DroppedCoverGuess guess) {
        ByteProjection projection = ByteProjection.of(tokenizer, guess);
        long bytes = 0;
        double projected = 0;
        double own = 0;
        double boundary = 0;
        double dropped = 0;
        long t0 = System.nanoTime();
        for (String text : segments.texts()) {
            ProjectedText p = ProjectedText.of(model, tokenizer, projection, manager, text);
            bytes += p.bytes();
            projected += p.nats() + p.prefixNats();
            own += p.tokenNats();
            boundary += p.boundaryNats();
            dropped += p.droppedNats();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(
                segments.texts().size(), bytes, projected, own, boundary, dropped, segments.skippedLines(), seconds);
    }
}
