package io.distill.cli;

import io.distill.schemas.CodecKind;
import io.distill.schemas.DistillSerdes;
import io.distill.schemas.SoftLabels;
import io.distill.schemas.TeacherIdentity;
import io.distill.schemas.TextSample;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated bad records for the fuzz test, from one seed: what a careless or hostile producer could put on the text
 * and soft-label topics. Each {@link Bad} is a record no service may use; each {@link Bad} of kind {@code mutant}
 * (a valid record with one bit flipped in its body) may be usable or not, but must not crash anything.
 */
final class BadRecords {
    /** Avro single-object encoding: 2 magic bytes and an 8-byte schema fingerprint before the body. */
    private static final int HEADER = 10;

    private final SplittableRandom random;
    private int next;

    BadRecords(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** One generated record: its kind (for the printed counts), key and value (null for a tombstone). */
    record Bad(String kind, byte[] key, byte[] value) {
        boolean mayBeUsable() {
            return kind.equals("mutant");
        }
    }

    /** Bad values for the text topic, around a valid {@code TextSample} and plain text. */
    List<Bad> forText(int randomCount, int flipCount, int mutantCount) {
        List<Bad> out = new ArrayList<>();
        byte[] valid = textSample("trunc-" + random.nextInt(1000), "a valid sample, cut short at every byte");
        for (int length = 0; length < valid.length; length++) {
            out.add(bad("truncated", Arrays.copyOf(valid, length)));
        }
        for (int i = 0; i < randomCount; i++) {
            byte[] bytes = randomBytes(1 + random.nextInt(300));
            bytes[random.nextInt(bytes.length)] = (byte) 0xFF; // never in UTF-8, so never text by chance
            out.add(bad("random", bytes));
        }
        for (int i = 0; i < flipCount; i++) {
            out.add(bad("fingerprint", flipBit(valid, 2, HEADER)));
        }
        out.add(bad("fingerprint", withHeaderOf(softLabelsHeader(), valid))); // a SoftLabels record on text
        out.addAll(craftedLengths(valid));
        out.add(bad("confluent", confluent(valid)));
        out.add(bad("empty", new byte[0]));
        out.add(bad("null", null));
        out.add(bad("blank", " \n\t ".getBytes(StandardCharsets.UTF_8)));
        out.add(bad("one-token", "x".getBytes(StandardCharsets.UTF_8)));
        out.add(bad("oversized", "y".repeat(Pipeline.MAX_TEXT_BYTES + 1).getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < mutantCount; i++) {
            byte[] mutant = textSample("mut-" + i, "a mutant of a valid sample, one bit flipped somewhere");
            out.add(new Bad("mutant", key(), flipBit(mutant, HEADER, mutant.length)));
        }
        return out;
    }

    /**
     * Bad values for the soft-label topic, around valid records of the student's tokenizer ({@code base}, whose
     * sample ids no good record uses).
     */
    List<Bad> forSoftLabels(List<SoftLabels> base, int randomCount, int flipCount, int mutantPerBase) {
        List<Bad> out = new ArrayList<>();
        var serde = DistillSerdes.softLabels();
        for (SoftLabels labels : base) {
            byte[] valid = serde.encode(labels);
            for (int length = 0; length < valid.length; length++) {
                out.add(bad("truncated", Arrays.copyOf(valid, length)));
            }
            for (int i = 0; i < flipCount; i++) {
                out.add(bad("fingerprint", flipBit(valid, 0, HEADER)));
            }
            out.addAll(craftedLengths(valid));
            out.add(bad("confluent", confluent(valid)));
            for (float value : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                SoftLabels hot =
                        SoftLabels.newBuilder(labels).setTemperature(value).build();
                out.add(bad("non-finite", serde.encode(hot)));
                SoftLabels nats =
                        SoftLabels.newBuilder(labels).setTargetNats(value).build();
                out.add(bad("non-finite", serde.encode(nats)));
            }
            SoftLabels other = SoftLabels.newBuilder(labels)
                    .setTeacher(TeacherIdentity.newBuilder(labels.getTeacher())
                            .setTokenizerId("gpt2-bpe")
                            .setTokenizerChecksum("feedfacecafe0000")
                            .setVocabSize(50257)
                            .build())
                    .build();
            out.add(bad("wrong-tokenizer", serde.encode(other)));
            out.add(bad("huge-claim", serde.encode(claimingBillionsOfDraws(labels))));
            out.add(bad("fingerprint", withHeaderOf(textSampleHeader(), valid))); // a TextSample header
            for (int i = 0; i < mutantPerBase; i++) {
                SoftLabels renamed = SoftLabels.newBuilder(labels)
                        .setSampleId("mut-" + next++)
                        .build();
                byte[] bytes = serde.encode(renamed);
                out.add(new Bad("mutant", key(), flipBit(bytes, HEADER, bytes.length)));
            }
        }
        for (int i = 0; i < randomCount; i++) {
            out.add(bad("random", randomBytes(random.nextInt(400))));
        }
        out.add(bad("empty", new byte[0]));
        out.add(bad("null", null));
        return out;
    }

    /** The 20-byte SAMPLED record claiming 2^31-1 draws and 2^31-2 distinct ids at one position. */
    private static SoftLabels claimingBillionsOfDraws(SoftLabels labels) {
        byte[] claim = {1, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        return SoftLabels.newBuilder(labels)
                .setTokens(List.of(65, 66))
                .setCodec(io.distill.schemas.Codec.newBuilder()
                        .setKind(CodecKind.SAMPLED)
                        .setSize(255)
                        .build())
                .setPayload(ByteBuffer.wrap(claim))
                .build();
    }

    /** The header of a valid record followed by a first field claiming a length just under 2^31. */
    private List<Bad> craftedLengths(byte[] valid) {
        List<Bad> out = new ArrayList<>();
        for (long claim : new long[] {(1L << 31) - 2, (1L << 31) - 1000, 1L << 30, 100_000_000}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(valid, 0, HEADER);
            writeAvroLong(bytes, claim);
            bytes.write(valid, HEADER, Math.min(12, valid.length - HEADER));
            out.add(bad("crafted-length", bytes.toByteArray()));
        }
        return out;
    }

    /** Confluent Schema Registry framing: 0x00, a 4-byte schema id, then the Avro body without distill's header. */
    private byte[] confluent(byte[] valid) {
        ByteBuffer framed = ByteBuffer.allocate(5 + valid.length - HEADER);
        framed.put((byte) 0).putInt(1 + random.nextInt(1000)).put(valid, HEADER, valid.length - HEADER);
        return framed.array();
    }

    private byte[] flipBit(byte[] valid, int from, int to) {
        byte[] copy = valid.clone();
        copy[from + random.nextInt(to - from)] ^= (byte) (1 << random.nextInt(8));
        return copy;
    }

    private static byte[] withHeaderOf(byte[] header, byte[] valid) {
        byte[] copy = valid.clone();
        System.arraycopy(header, 0, copy, 0, HEADER);
        return copy;
    }

    private static byte[] textSample(String id, String text) {
        return DistillSerdes.textSample()
                .encode(TextSample.newBuilder()
                        .setId(id)
                        .setText(text)
                        .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                        .build());
    }

    private static byte[] textSampleHeader() {
        return Arrays.copyOf(textSample("h", "header"), HEADER);
    }

    private static byte[] softLabelsHeader() {
        SoftLabels empty = SoftLabels.newBuilder()
                .setSampleId("h")
                .setWindow(0)
                .setTokens(List.of())
                .setTeacher(TeacherIdentity.newBuilder()
                        .setModelId("m")
                        .setModelVersion("v")
                        .setTokenizerId("t")
                        .setTokenizerChecksum("c")
                        .setVocabSize(1)
                        .build())
                .setTemperature(1f)
                .setCodec(io.distill.schemas.Codec.newBuilder()
                        .setKind(CodecKind.TOPK)
                        .setSize(1)
                        .build())
                .setPayload(ByteBuffer.allocate(0))
                .setCreatedAt(Instant.EPOCH)
                .build();
        return Arrays.copyOf(DistillSerdes.softLabels().encode(empty), HEADER);
    }

    private static void writeAvroLong(ByteArrayOutputStream out, long value) {
        long zigzag = (value << 1) ^ (value >> 63);
        while ((zigzag & ~0x7FL) != 0) {
            out.write((int) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        out.write((int) zigzag);
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private Bad bad(String kind, byte[] value) {
        return new Bad(kind, key(), value);
    }

    /** Keys are bad-N (mutants included): no good record's key, so a dead letter's key names its source too. */
    private byte[] key() {
        return ("bad-" + next++).getBytes(StandardCharsets.UTF_8);
    }
}
