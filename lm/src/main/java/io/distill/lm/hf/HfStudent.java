package io.distill.lm.hf;

import io.distill.lm.artifact.CompanionFiles;
import io.distill.lm.model.Gpt;
import io.distill.lm.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A student of a Hugging Face teacher: same family and tokenizer, its own (smaller) shape. Every checkpoint and
 * published bundle of such a student carries, as {@link CompanionFiles}, the teacher's tokenizer files, its {@code
 * generation_config.json} and its {@code config.json} (under {@link #TEACHER_CONFIG}, since {@code config.json} is
 * the artifact's own), so any of them can be loaded with its tokenizer and exported as a Hugging Face directory on
 * its own, long after the teacher's directory is gone.
 */
public final class HfStudent {

    /** The teacher's {@code config.json} inside a student artifact: the family and the special token ids. */
    public static final String TEACHER_CONFIG = "hf-teacher-config.json";

    private HfStudent() {}

    /** The companion files of a student of the teacher in {@code teacherDir}, whose tokenizer is {@code tokenizer}. */
    public static CompanionFiles companions(Path teacherDir, Tokenizer tokenizer) throws IOException {
        readTeacher(teacherDir); // refuses an unsupported family now rather than at export
        return companions(teacherDir.resolve(HfFiles.CONFIG), teacherDir, tokenizer);
    }

    /**
     * The companion files of a model of the family {@code configFile} describes, reading the tokenizer files in
     * {@code tokenizerDir}: e.g. a model pretrained from scratch with a real tokenizer, whose own config is the
     * family's.
     */
    public static CompanionFiles companions(Path configFile, Path tokenizerDir, Tokenizer tokenizer)
            throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(TEACHER_CONFIG, Files.readAllBytes(configFile));
        for (String name : HfFiles.TOKENIZER) {
            copyIfPresent(tokenizerDir, name, files);
        }
        copyIfPresent(tokenizerDir, HfFiles.GENERATION_CONFIG, files);
        return new CompanionFiles(tokenizer.id(), tokenizer.checksum(), files);
    }

    /** The teacher's family and ids. */
    public static HfConfig readTeacher(Path teacherDir) throws IOException {
        return HfImport.readConfig(teacherDir);
    }

    /** Whether {@code artifactDir} is a checkpoint or bundle of a Hugging Face family's student. */
    public static boolean isStudentArtifact(Path artifactDir) {
        return Files.isRegularFile(artifactDir.resolve(TEACHER_CONFIG));
    }

    /**
     * Writes {@code model}, loaded from the student artifact {@code artifactDir}, as a Hugging Face directory at
     * {@code out}: the teacher's family and ids, the student's shape, the carried tokenizer files.
     */
    public static void export(Path artifactDir, Gpt model, Path out, HfExport.Dtype dtype) throws IOException {
        HfConfig teacher = HfImport.readConfig(artifactDir, TEACHER_CONFIG);
        HfExport.write(model, teacher.family(), teacher.tokens(), artifactDir, out, dtype);
    }

    private static void copyIfPresent(Path dir, String name, Map<String, byte[]> files) throws IOException {
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file)) {
            files.put(name, Files.readAllBytes(file));
        }
    }
}
