package io.distill.lm.model;

import io.distill.lm.StoredZip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a minimal TorchScript archive for a parameterless module, with no Python: a zip (entries stored, not
 * deflated) holding the TorchScript source in {@code code/__torch__.py}, a pickle naming the module class in
 * {@code data.pkl}, an empty {@code constants.pkl} and the format {@code version}. libtorch loads it like any
 * {@code torch.jit.save} output.
 *
 * <p>Why: DJL 0.36 has no bfloat16 dtype in its JNI, but a TorchScript module can cast to bf16 inside its own code,
 * where DJL never sees the bf16 tensors. See {@link TorchScriptKernels}.
 */
final class TorchScriptArchive {
    private TorchScriptArchive() {}

    /**
     * @param file the archive to write, e.g. {@code linear_bf16.pt}
     * @param className the module class, a Python identifier
     * @param code the module's {@code forward} method in TorchScript (its signature line and body, indented by two
     *     spaces as a method of the class), optionally followed by top-level functions it calls
     */
    static void write(Path file, String className, String code) throws IOException {
        String source = "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + code;
        String root = className.toLowerCase(Locale.ROOT) + "/";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(root + "data.pkl", modulePickle(className));
        entries.put(root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        entries.put(root + "constants.pkl", new byte[] {(byte) 0x80, 0x02, 0x29, 0x2E}); // protocol 2: ()
        entries.put(root + "version", "3".getBytes(StandardCharsets.US_ASCII));
        StoredZip.write(file, entries);
    }

    /**
     * The pickle (protocol 2) of an instance of {@code __torch__.className} with state {@code {"training": True}}:
     * what {@code torch.jit.save} writes for a module without parameters.
     */
    static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO
        p.write(0x02);
        p.write('c'); // GLOBAL module \n name \n
        p.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write('q'); // BINPUT 0
        p.write(0);
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        p.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(key);
        p.write('q'); // BINPUT 1
        p.write(1);
        p.write(0x88); // NEWTRUE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }
}
