package io.distill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextSplitterTest {
    private static final String TEXT = "first line\nsecond line\n\n  \nthird\nfourth\n\n";

    @Test
    void linesSkipsBlankLines() throws IOException {
        assertEquals(List.of("first line", "second line", "third", "fourth"), split(TextSplitter.LINES, TEXT));
    }

    @Test
    void paragraphsAreSeparatedByBlankLines() throws IOException {
        assertEquals(List.of("first line\nsecond line\n", "third\nfourth\n"), split(TextSplitter.PARAGRAPHS, TEXT));
    }

    @Test
    void fileIsOneDocumentExactlyAsWritten() throws IOException {
        assertEquals(List.of(TEXT), split(TextSplitter.FILE, TEXT));
    }

    @Test
    void blankInputGivesNothing() throws IOException {
        for (TextSplitter mode : TextSplitter.values()) {
            assertEquals(List.of(), split(mode, "\n \n"), mode.name());
        }
    }

    private static List<String> split(TextSplitter mode, String text) throws IOException {
        List<String> documents = new ArrayList<>();
        mode.split(new BufferedReader(new StringReader(text)), documents::add);
        return documents;
    }
}
