package io.distill.trainer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code train --teachers A=0.5,B=0.5}: which teachers a student mixes, named by their {@code TeacherIdentity.modelId},
 * and their weights, renormalised to sum to 1 (so {@code A=1,B=3} is A 0.25, B 0.75).
 *
 * @param weights by teacher name, sorted, summing to 1
 */
public record TeacherWeights(Map<String, Double> weights) {

    /** The prefix of each teacher's entry in a checkpoint's lineage (the announcement's metrics map). */
    public static final String LINEAGE_PREFIX = "teacher_weight.";

    public TeacherWeights {
        if (weights.size() < 2) {
            throw new IllegalArgumentException("--teachers names at least two teachers, got " + weights.keySet());
        }
        double total = 0;
        for (var e : weights.entrySet()) {
            double w = e.getValue();
            if (e.getKey().isBlank() || !(w > 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("--teachers: teacher '" + e.getKey() + "' needs a name and a"
                        + " positive finite weight, got " + w);
            }
            total += w;
        }
        Map<String, Double> normalised = new TreeMap<>();
        for (var e : weights.entrySet()) {
            normalised.put(e.getKey(), e.getValue() / total);
        }
        weights = Collections.unmodifiableMap(normalised);
    }

    /**
     * Parses {@code NAME=WEIGHT,NAME=WEIGHT,...}; a name may hold anything but {@code ,} and its last {@code =}.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static TeacherWeights parse(String spec) {
        Map<String, Double> weights = new LinkedHashMap<>();
        for (String entry : spec.split(",", -1)) {
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "--teachers '" + spec + "': '" + entry + "' is not NAME=WEIGHT (e.g. A=0.5,B=0.5)");
            }
            String name = entry.substring(0, eq).trim();
            double weight;
            try {
                weight = Double.parseDouble(entry.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--teachers '" + spec + "': weight of '" + name + "' is not a number");
            }
            if (weights.put(name, weight) != null) {
                throw new IllegalArgumentException("--teachers '" + spec + "': '" + name + "' is named twice");
            }
        }
        return new TeacherWeights(weights);
    }

    public boolean names(String teacher) {
        return weights.containsKey(teacher);
    }

    public double weight(String teacher) {
        return weights.get(teacher);
    }

    /** The lineage a checkpoint announces: {@code teacher_weight.NAME} = its normalised weight, per teacher. */
    public Map<String, Double> lineage() {
        Map<String, Double> out = new TreeMap<>();
        weights.forEach((name, w) -> out.put(LINEAGE_PREFIX + name, w));
        return out;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        weights.forEach((name, w) ->
                s.append(s.length() == 0 ? "" : ",").append(name).append('=').append(w));
        return s.toString();
    }
}
