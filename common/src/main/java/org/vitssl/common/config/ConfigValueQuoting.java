package org.vitssl.common.config;

/** Quotes a raw string as a HOCON string literal. */
final class ConfigValueQuoting {
    private ConfigValueQuoting() {}

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }
}
