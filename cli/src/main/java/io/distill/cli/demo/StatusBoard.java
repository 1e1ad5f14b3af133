package io.distill.cli.demo;

import java.io.PrintWriter;
import java.util.List;

/**
 * The demo's live status: on a terminal one block redrawn in place, elsewhere (a log, CI) one line per update so
 * nothing is lost to cursor movement.
 */
final class StatusBoard {
    private final PrintWriter out;
    private final boolean terminal;
    private int linesShown;

    StatusBoard(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void show(List<String> lines) {
        if (terminal) {
            if (linesShown > 0) {
                out.print("\033[" + linesShown + "F"); // cursor up to the first line of the last block
            }
            for (String line : lines) {
                out.print("\033[2K"); // clear the line before writing it
                out.println(line);
            }
            linesShown = lines.size();
        } else {
            out.println(String.join(" | ", lines));
        }
        out.flush();
    }

    /** Prints a line above the block; the block is drawn again below it on the next update. */
    void event(String line) {
        linesShown = 0;
        out.println(line);
        out.flush();
    }
}
