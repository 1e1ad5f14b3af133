package io.distill.cli;

import io.distill.lm.codec.Codec;
import io.distill.lm.train.SoftTargets;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** What the teacher sends: the wire codec and the distillation temperature ({@code distill teacher}). */
final class TeacherSignalOptions {
    @Option(
            names = "--codec",
            defaultValue = "topk:32",
            paramLabel = "topk:K|sampled:N",
            converter = CodecConverter.class,
            description = "How soft labels are compressed: the K most likely ids with log-probabilities, or N "
                    + "ids drawn from the teacher with weights that estimate it without bias; sampled:16 came within "
                    + "2% of dense-logit KD at under half of topk:32's bytes (docs/benchmarks.md) "
                    + "(default: ${DEFAULT-VALUE}).")
    Codec codec;

    @Mixin
    Temperature temperature;

    /**
     * {@code --temperature} alone, for the commands that compare codecs (bench teacher, bench quality): checked by
     * the one temperature check, {@link SoftTargets#checkTemperature}.
     */
    static final class Temperature {
        @Option(
                names = "--temperature",
                defaultValue = "2.0",
                paramLabel = "T",
                converter = TemperatureConverter.class,
                description = "Distillation temperature, positive (default: ${DEFAULT-VALUE}).")
        float value;
    }

    /** Reads topk:K or sampled:N. */
    static final class CodecConverter implements ITypeConverter<Codec> {
        @Override
        public Codec convert(String value) {
            try {
                return Codec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Reads a distillation temperature: a positive, finite number. */
    static final class TemperatureConverter implements ITypeConverter<Float> {
        @Override
        public Float convert(String value) {
            float t;
            try {
                t = Float.parseFloat(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
            try {
                SoftTargets.checkTemperature(t);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return t;
        }
    }
}
