package io.distill.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.util.Utf8;

/**
 * A {@link SpecificData} whose readers refuse a string (a field, or a map key) that is not valid UTF-8. Avro itself
 * decodes strings leniently, turning bad bytes into U+FFFD replacement characters, so a text sample with broken
 * bytes would be labelled as text it never held; this reader throws {@link InvalidUtf8} instead.
 */
final class StrictUtf8Data extends SpecificData {

    /** A string in the Avro body that is not valid UTF-8. */
    static final class InvalidUtf8 extends AvroRuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidUtf8(String message) {
            super(message);
        }
    }

    /** A strict copy of {@code model}: the same class loader and logical-type conversions. */
    static StrictUtf8Data of(SpecificData model, ClassLoader loader) {
        StrictUtf8Data strict = new StrictUtf8Data(loader);
        for (Conversion<?> conversion : model.getConversions()) {
            strict.addLogicalTypeConversion(conversion);
        }
        return strict;
    }

    private StrictUtf8Data(ClassLoader loader) {
        super(loader);
    }

    @Override
    public boolean useCustomCoders() {
        return false; // generated custom decoders read strings leniently, past the override below
    }

    @Override
    @SuppressWarnings("rawtypes")
    public DatumReader createDatumReader(Schema writer, Schema reader) {
        return new Reader<>(writer, reader, this);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public DatumReader createDatumReader(Schema schema) {
        return new Reader<>(schema, schema, this);
    }

    private static final class Reader<T> extends SpecificDatumReader<T> {
        Reader(Schema writer, Schema reader, SpecificData data) {
            super(writer, reader, data);
        }

        @Override
        protected Object readString(Object old, Schema expected, Decoder in) throws IOException {
            Utf8 raw = in.readString(null);
            String text;
            try {
                text = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw.getBytes(), 0, raw.getByteLength()))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new InvalidUtf8("a string of " + raw.getByteLength() + " bytes is not valid UTF-8 (" + e + ")");
            }
            Class<?> stringClass = findStringClass(expected);
            if (stringClass == String.class) {
                return text;
            }
            if (stringClass == CharSequence.class) {
                return raw;
            }
            return newInstanceFromString(stringClass, text);
        }
    }
}
