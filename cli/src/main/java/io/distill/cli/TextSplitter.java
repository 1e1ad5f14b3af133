package io.distill.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.function.Consumer;

/** Cuts a text stream into the documents that become records. */
enum TextSplitter {
    /** Every non-blank line is a document. */
    LINES,
    /** Runs of lines separated by blank lines are documents. */
    PARAGRAPHS,
    /** The whole input is one document. */
    FILE;

    /** Reads {@code reader} to its end, handing each non-blank document to {@code sink} in order. */
    void split(BufferedReader reader, Consumer<String> sink) throws IOException {
        switch (this) {
            case LINES -> {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    emitIfNotBlank(line, sink);
                }
            }
            case PARAGRAPHS -> {
                StringBuilder paragraph = new StringBuilder();
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.isBlank()) {
                        emitIfNotBlank(paragraph.toString(), sink);
                        paragraph.setLength(0);
                    } else {
                        paragraph.append(line).append('\n');
                    }
                }
                emitIfNotBlank(paragraph.toString(), sink);
            }
            case FILE -> {
                StringBuilder all = new StringBuilder();
                char[] buffer = new char[1 << 16];
                for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
                    all.append(buffer, 0, n);
                }
                emitIfNotBlank(all.toString(), sink);
            }
        }
    }

    private static void emitIfNotBlank(String text, Consumer<String> sink) {
        if (!text.isBlank()) {
            sink.accept(text);
        }
    }
}
