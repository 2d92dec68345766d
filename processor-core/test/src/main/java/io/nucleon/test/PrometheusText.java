package io.nucleon.test;

import java.util.HashMap;
import java.util.Map;

/** Reads samples out of the Prometheus text format that {@code /metrics} answers. */
final class PrometheusText {
    private PrometheusText() {}

    /** The sum of the samples of {@code metric} whose labels include every one of {@code labels}. */
    static double sum(String text, String metric, Map<String, String> labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            int end = metric.length();
            if (line.length() <= end || (line.charAt(end) != '{' && line.charAt(end) != ' ')) {
                continue; // another metric whose name starts with this one
            }
            Map<String, String> found = new HashMap<>();
            int valueAt = end;
            if (line.charAt(end) == '{') {
                valueAt = labels(line, end + 1, found);
            }
            if (!found.entrySet().containsAll(labels.entrySet())) {
                continue;
            }
            String rest = line.substring(valueAt).trim();
            int space = rest.indexOf(' ');
            sum += Double.parseDouble(space < 0 ? rest : rest.substring(0, space)); // a timestamp may follow
        }
        return sum;
    }

    /** Reads {@code name="value",…}} from {@code i} into {@code into}; returns the index after the closing brace. */
    private static int labels(String line, int i, Map<String, String> into) {
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String name = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            for (; line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            into.put(name, value.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }
}
