package io.distill.lm.tokenize;

import io.distill.lm.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Byte-level tokenizer: token {@code b} (0..255) is the byte {@code b}, followed by three special tokens.
 *
 * <p>Any byte string encodes, valid UTF-8 or not, so there are no unknown tokens and teacher and student always
 * agree. Vocabulary: 259 ids, {@link #BOS} = 256, {@link #EOS} = 257, {@link #PAD} = 258. The vocabulary is not
 * rounded up: records carry the vocabulary size and the trainer compares it with its model, so model and
 * tokenizer use the same number.
 *
 * <p>Records carry {@link #id()} and {@link #checksum()} so a consumer can refuse soft labels made with another
 * tokenizer. The checksum is the sha256 of {@link #canonicalDescription()}; it changes if and only if the
 * vocabulary does.
 */
public final class ByteTokenizer implements Tokenizer {

    public static final String ID = "byte-v1";
    public static final int BYTE_TOKENS = 256;
    /** Begin of document: lets the model tell a document start from a window cut mid-document. */
    public static final int BOS = 256;
    /** End of document. */
    public static final int EOS = 257;
    /** A padding entry of the vocabulary, kept so the checksum stays; windows pad with {@link Padding#PAD}. */
    public static final int PAD = 258;

    public static final int VOCAB_SIZE = 259;

    private static final String[] SPECIAL_NAMES = {"<bos>", "<eos>", "<pad>"};
    private static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private final String checksum;

    private ByteTokenizer() {
        checksum = Sha256.hex(canonicalDescription().getBytes(StandardCharsets.UTF_8));
    }

    public static ByteTokenizer get() {
        return INSTANCE;
    }

    public String id() {
        return ID;
    }

    public int vocabSize() {
        return VOCAB_SIZE;
    }

    /** Lower-case hex sha256 of {@link #canonicalDescription()}. */
    public String checksum() {
        return checksum;
    }

    /** One line per id, in id order, then nothing else: the text the checksum is taken over. */
    public String canonicalDescription() {
        StringBuilder sb = new StringBuilder(ID).append('\n');
        sb.append("vocab ").append(VOCAB_SIZE).append('\n');
        for (int b = 0; b < BYTE_TOKENS; b++) {
            sb.append(b).append(" byte ").append(String.format("0x%02x", b)).append('\n');
        }
        for (int s = 0; s < SPECIAL_NAMES.length; s++) {
            sb.append(BYTE_TOKENS + s)
                    .append(" special ")
                    .append(SPECIAL_NAMES[s])
                    .append('\n');
        }
        return sb.toString();
    }

    public int[] encode(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    /** Encodes the UTF-8 bytes of {@code text}. */
    public int[] encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The bytes of the byte tokens, in order. Special tokens are markers with no bytes of their own and are skipped,
     * so {@code decode(encode(b))} equals {@code b} for every byte array.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public byte[] decode(int[] ids) {
        byte[] out = new byte[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " at index " + i + " is outside the " + ID
                        + " vocabulary [0, " + VOCAB_SIZE + ")");
            }
            if (id < BYTE_TOKENS) {
                out[n++] = (byte) id;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return decode(new int[] {id});
    }

    /** {@link #decode} read as UTF-8; malformed sequences become U+FFFD (for display, not for round trips). */
    public String decodeText(int[] ids) {
        return new String(decode(ids), StandardCharsets.UTF_8);
    }

    public boolean isSpecial(int id) {
        return id >= BYTE_TOKENS && id < VOCAB_SIZE;
    }

    @Override
    public OptionalInt bos() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eos() {
        return OptionalInt.of(EOS);
    }

    /**
     * No: the own models are pretrained and distilled on plain byte windows (neither {@code TextCorpus} nor the
     * teacher service puts BOS in front of a document), so adding it now would show them something new.
     */
    @Override
    public boolean addsBos() {
        return false;
    }
}
