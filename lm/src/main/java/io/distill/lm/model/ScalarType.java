package io.distill.lm.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dtypes the kernels name, with the codes TorchScript archives store for them (c10::ScalarType): {@code
 * torch.jit.save} writes {@code torch.bfloat16} as {@code 15}, and libtorch's loader knows only the codes. The kernel
 * sources spell dtypes by name; {@link #resolveNames} turns the names into codes as the archive is written.
 */
enum ScalarType {
    INT64("torch.int64", 4),
    FLOAT16("torch.float16", 5),
    FLOAT32("torch.float32", 6),
    BOOL("torch.bool", 11),
    BFLOAT16("torch.bfloat16", 15);

    private static final Pattern NAME = Pattern.compile("\\btorch\\.(int64|float16|float32|bool|bfloat16)\\b");

    private final String torchName;
    private final int code;

    ScalarType(String torchName, int code) {
        this.torchName = torchName;
        this.code = code;
    }

    /** The dtype's name in PyTorch, e.g. {@code torch.bfloat16}. */
    String torchName() {
        return torchName;
    }

    int code() {
        return code;
    }

    /** The type the model's products run in at {@code precision}. */
    static ScalarType compute(Precision precision) {
        return switch (precision) {
            case FP32 -> FLOAT32;
            case BF16 -> BFLOAT16;
            case FP16 -> FLOAT16;
        };
    }

    /** {@code source} with every dtype name above replaced by its code. */
    static String resolveNames(String source) {
        Matcher m = NAME.matcher(source);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Integer.toString(valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT)).code));
        }
        return m.appendTail(out).toString();
    }
}
