package io.distill.lm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little JSON this module needs: one flat object whose values are numbers, e.g. a model config. Hand-rolled
 * so the module needs no JSON library; anything else (nesting, strings as values, escapes) is rejected with a
 * message that says where.
 */
public final class FlatJson {

    private static final Pattern KEY = Pattern.compile("\"([A-Za-z_][A-Za-z0-9_]*)\"");
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private FlatJson() {}

    /** Writes {@code {"k":v,...}} in the map's iteration order. */
    public static String write(Map<String, ? extends Number> fields) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, ? extends Number> e : fields.entrySet()) {
            if (!KEY.matcher('"' + e.getKey() + '"').matches()) {
                throw new IllegalArgumentException("not a plain JSON key: " + e.getKey());
            }
            String value = e.getValue().toString();
            if (!NUMBER.matcher(value).matches()) {
                throw new IllegalArgumentException("not a finite JSON number: " + e.getKey() + "=" + value);
            }
            sb.append(sb.length() == 1 ? "" : ",")
                    .append('"')
                    .append(e.getKey())
                    .append("\":")
                    .append(value);
        }
        return sb.append('}').toString();
    }

    /** Reads a flat object into key to number literal, in document order. */
    public static Map<String, String> read(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        Cursor c = new Cursor(json);
        c.expect('{');
        if (!c.tryConsume('}')) {
            do {
                String key = c.match(KEY, "a quoted key").group(1);
                c.expect(':');
                String value = c.match(NUMBER, "a number").group();
                if (out.put(key, value) != null) {
                    throw c.error("duplicate key \"" + key + "\"");
                }
            } while (c.tryConsume(','));
            c.expect('}');
        }
        c.skipSpace();
        if (!c.atEnd()) {
            throw c.error("trailing characters");
        }
        return out;
    }

    private static final class Cursor {
        private final String text;
        private int pos;

        Cursor(String text) {
            this.text = text;
        }

        void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        boolean atEnd() {
            return pos == text.length();
        }

        boolean tryConsume(char ch) {
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ch) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(char ch) {
            if (!tryConsume(ch)) {
                throw error("expected '" + ch + "'");
            }
        }

        Matcher match(Pattern pattern, String what) {
            skipSpace();
            Matcher m = pattern.matcher(text).region(pos, text.length());
            if (!m.lookingAt()) {
                throw error("expected " + what);
            }
            pos = m.end();
            return m;
        }

        IllegalArgumentException error(String message) {
            return new IllegalArgumentException("bad JSON at offset " + pos + ": " + message);
        }
    }
}
