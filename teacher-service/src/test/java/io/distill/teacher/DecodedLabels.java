package io.distill.teacher;

import io.distill.lm.codec.Codec;
import io.distill.lm.codec.WindowLabels;
import io.distill.schemas.SoftLabels;
import java.nio.ByteBuffer;

/** Decodes a record's payload with the codec it names, as the trainer does, for assertions on what went out. */
final class DecodedLabels {
    private DecodedLabels() {}

    static WindowLabels of(SoftLabels record, int vocab) {
        Codec codec = Codec.fromWire(
                record.getCodec().getKind().name(), record.getCodec().getSize());
        ByteBuffer payload = record.getPayload().duplicate();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return codec.decode(bytes, record.getTokens().size() - 1, vocab);
    }
}
