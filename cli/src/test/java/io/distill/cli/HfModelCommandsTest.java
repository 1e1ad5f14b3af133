package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code generate} and {@code eval} on a Hugging Face directory: a tiny random Llama with the real Llama 2-kind
 * tokenizer. Greedy generation must print exactly the text of the ids that the independent PyTorch reference picks.
 */
class HfModelCommandsTest {

    @TempDir
    Path tmp;

    @Test
    void greedyGenerateMatchesTheReferenceAndEvalScoresBitsPerByte() throws Exception {
        Path model = HfFixtures.tinyLlama(tmp.resolve("tiny-llama"), 2, 3);
        String prompt = "The log is the database";
        try (Tokenizer t = Tokenizers.forModelDir(model)) {
            int[] expected = HfFixtures.greedy(model, t.encodeDocument(prompt), 6);
            String out = run(
                    "generate", "--model", model.toString(), "--prompt", prompt, "--temperature", "0", "--tokens", "6");
            assertEquals(prompt + t.decodeText(expected) + System.lineSeparator(), out);
        }

        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Kafka keeps the log; the student learns from it. ".repeat(20), StandardCharsets.UTF_8);
        String eval = run("eval", "--model", model.toString(), "--corpus", text.toString());
        assertTrue(eval.contains("bits/byte"), eval);
        double bits = Double.parseDouble(eval.trim().split(" ")[0]);
        assertTrue(bits > 0 && Double.isFinite(bits), eval);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Distill.commandLine(Map.of());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        assertEquals(0, code, String.join(" ", args) + ": " + err);
        return out.toString();
    }
}
