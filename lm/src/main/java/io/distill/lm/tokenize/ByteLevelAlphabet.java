package io.distill.lm.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's byte-level alphabet: each byte is shown as one printable character (bytes that are printable Latin-1 stand
 * for themselves, the rest map to U+0100 and up in byte order), so a byte-level BPE vocabulary is text. This is the
 * inverse, character to byte.
 */
final class ByteLevelAlphabet {
    /** Byte by character, for the 324 characters below U+0144 that the alphabet uses; -1 elsewhere. */
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            BYTE_OF_CHAR[printable ? b : 0x100 + next++] = b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The bytes a byte-level token stands for. A character outside the alphabet stands for its own UTF-8 bytes. */
    static byte[] decode(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int c = token.codePointAt(i);
            i += Character.charCount(c);
            if (c < BYTE_OF_CHAR.length && BYTE_OF_CHAR[c] >= 0) {
                out.write(BYTE_OF_CHAR[c]);
            } else {
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
