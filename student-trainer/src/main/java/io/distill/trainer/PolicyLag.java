package io.distill.trainer;

import java.util.OptionalLong;

/**
 * Recognises a student's own samples among the records it reads, and decides whether one is fresh enough to train
 * on. A sample's id, which the teacher copies into every {@code SoftLabels} record as {@code sampleId}, starts with
 * its source {@code student:<name>@<version>}: the student that wrote it and the version (training step) of the
 * weights that did.
 *
 * @param student this trainer's student
 * @param maxLag the largest lag, in versions, still trained on
 */
record PolicyLag(String student, long maxLag) {

    /** What a record is to this student. */
    sealed interface Verdict permits NotOwn, Fresh, Stale {}

    /** Not written by this student (input text, or another student's sample): trained like any record. */
    record NotOwn() implements Verdict {}

    /** Its own sample, at most {@code maxLag} versions old: trained on-policy. */
    record Fresh(long lag) implements Verdict {}

    /**
     * Its own sample, too old, or written by weights newer than the current ones (lost in a crash before their
     * checkpoint): skipped and counted, not dead-lettered (it is valid).
     */
    record Stale(long lag) implements Verdict {}

    private static final NotOwn NOT_OWN = new NotOwn();

    /** The {@code source} of a sample written by {@code student} at {@code version}. */
    static String source(String student, long version) {
        return "student:" + student + "@" + version;
    }

    /** A sample id: the source, a slash, then {@code unique} so that ids differ across samples and restarts. */
    static String sampleId(String student, long version, String unique) {
        return source(student, version) + "/" + unique;
    }

    /** The version in a sample id of {@code student}'s, or empty when the id is not one of its samples. */
    static OptionalLong version(String sampleId, String student) {
        String prefix = "student:" + student + "@";
        if (!sampleId.startsWith(prefix)) {
            return OptionalLong.empty();
        }
        int slash = sampleId.indexOf('/', prefix.length());
        String digits = sampleId.substring(prefix.length(), slash < 0 ? sampleId.length() : slash);
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(digits));
    }

    Verdict of(String sampleId, long currentVersion) {
        OptionalLong version = version(sampleId, student);
        if (version.isEmpty()) {
            return NOT_OWN;
        }
        long lag = currentVersion - version.getAsLong();
        return lag >= 0 && lag <= maxLag ? new Fresh(lag) : new Stale(lag);
    }
}
