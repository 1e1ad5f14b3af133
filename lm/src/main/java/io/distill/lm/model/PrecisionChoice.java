package io.distill.lm.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Resolves {@code --precision fp32|bf16|fp16|auto} for a device, with the reason, so each mode is honest about
 * what it does where it runs: auto picks bf16 on a CPU with native bf16 instructions, fp16 on CUDA, fp32 otherwise.
 *
 * @param precision what the products will run in
 * @param reason one line for the log, e.g. "auto: this CPU has avx512_bf16"
 */
public record PrecisionChoice(Precision precision, String reason) {

    /** CPU flags (as /proc/cpuinfo names them) that make bf16 matmuls fast in libtorch's oneDNN kernels. */
    static final Set<String> BF16_CPU_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    /**
     * @param requested fp32, bf16, fp16 or auto (any case)
     * @param device where the model runs
     * @param cpuFlags the CPU's feature flags (see {@link #cpuFlags()})
     * @throws IllegalArgumentException for any other value, with the accepted ones
     */
    public static PrecisionChoice resolve(String requested, Device device, Set<String> cpuFlags) {
        String value = requested.trim().toLowerCase(Locale.ROOT);
        boolean gpu = device.isGpu();
        String bf16Flag =
                cpuFlags.stream().filter(BF16_CPU_FLAGS::contains).findFirst().orElse(null);
        return switch (value) {
            case "auto" -> {
                if (gpu) {
                    yield new PrecisionChoice(Precision.FP16, "auto: CUDA device, fp16 with dynamic loss scaling");
                }
                if (bf16Flag != null) {
                    yield new PrecisionChoice(Precision.BF16, "auto: this CPU has " + bf16Flag);
                }
                yield new PrecisionChoice(
                        Precision.FP32, "auto: this CPU has no native bf16 (no avx512_bf16/amx_bf16)");
            }
            case "fp32" -> new PrecisionChoice(Precision.FP32, "requested");
            case "bf16" ->
                new PrecisionChoice(
                        Precision.BF16,
                        gpu || bf16Flag != null
                                ? "requested"
                                : "requested, but this CPU has no native bf16: libtorch emulates it, expect it slower than fp32");
            case "fp16" ->
                new PrecisionChoice(
                        Precision.FP16,
                        gpu
                                ? "requested, dynamic loss scaling"
                                : "requested on CPU: correct but slow (CPUs have no fast fp16 matmul), dynamic loss scaling");
            default ->
                throw new IllegalArgumentException(
                        "unknown precision '" + requested + "'; use fp32, bf16, fp16 or auto");
        };
    }

    /** This machine's CPU feature flags from /proc/cpuinfo; empty where that file does not exist. */
    public static Set<String> cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Set.of();
        }
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                    .orElse(Set.of());
        } catch (IOException e) {
            return Set.of();
        }
    }

    @Override
    public String toString() {
        return precision.flag() + " (" + reason + ")";
    }
}
