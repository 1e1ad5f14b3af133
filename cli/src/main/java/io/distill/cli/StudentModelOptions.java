package io.distill.cli;

import ai.djl.ndarray.NDManager;
import io.distill.lm.artifact.CompanionFiles;
import io.distill.lm.artifact.ModelBundle;
import io.distill.lm.hf.HfConfig;
import io.distill.lm.hf.HfImport;
import io.distill.lm.hf.HfStudent;
import io.distill.lm.model.DepthPruning;
import io.distill.lm.model.Gpt;
import io.distill.lm.model.LmConfig;
import io.distill.lm.model.Precision;
import io.distill.lm.tokenize.ByteTokenizer;
import io.distill.lm.tokenize.Tokenizer;
import io.distill.lm.tokenize.Tokenizers;
import io.distill.trainer.StudentOrigin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which student {@code distill train} trains: a named size of the own byte-level models (the default), a
 * depth-pruned copy of a teacher ({@code --init-from-teacher DIR --layers 0,2,4}), or a smaller configuration of a
 * Hugging Face teacher's family from scratch ({@code --student-config FILE --tokenizer-dir DIR}). {@code distill
 * pretrain} takes the last two options for a model of a Hugging Face family with a real tokenizer
 * ({@link #resolveFromScratch}).
 */
final class StudentModelOptions {

    @Option(
            names = "--init-from-teacher",
            paramLabel = "DIR",
            description = "Start from this teacher (a Hugging Face directory or an own model): its embeddings, final "
                    + "norm, output head and the --layers blocks; the student reads its tokenizer.")
    Path initFromTeacher;

    @Option(
            names = "--layers",
            paramLabel = "LIST",
            split = ",",
            description = "Teacher blocks the student keeps, in order, with --init-from-teacher (default: every "
                    + "other block, 0,2,4,...).")
    int[] layers;

    @Option(
            names = "--student-config",
            paramLabel = "FILE",
            description = "A config.json of the teacher's family describing a smaller student, trained from scratch; "
                    + "needs --tokenizer-dir.")
    Path studentConfig;

    @Option(
            names = "--tokenizer-dir",
            paramLabel = "DIR",
            description = "With --student-config: the Hugging Face teacher directory whose tokenizer the student reads"
                    + " (pretrain: any directory with a tokenizer.json).")
    Path tokenizerDir;

    /** The student's shape and origin. */
    record Student(LmConfig model, StudentOrigin origin) {}

    Student resolve(String size) {
        if (initFromTeacher != null && studentConfig != null) {
            throw new CliException(
                    CliException.BAD_INPUT, "--init-from-teacher and --student-config exclude each other");
        }
        if (layers != null && initFromTeacher == null) {
            throw new CliException(CliException.BAD_INPUT, "--layers needs --init-from-teacher");
        }
        try {
            if (initFromTeacher != null) {
                return pruned(initFromTeacher);
            }
            if (studentConfig != null) {
                return fromConfig(studentConfig);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
        return new Student(ModelFiles.namedSize(size), StudentOrigin.BYTE_LEVEL);
    }

    /**
     * The model {@code distill pretrain} trains from scratch: a named size of the own byte-level models, or the
     * family and shape of {@code --student-config} reading the tokenizer in {@code --tokenizer-dir} (only its
     * tokenizer files are used; no teacher is involved, so the config's family is the model's own).
     */
    Student resolveFromScratch(String size) {
        if (initFromTeacher != null || layers != null) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    "pretrain starts from scratch: --init-from-teacher and --layers are for train");
        }
        if (studentConfig == null) {
            if (tokenizerDir != null) {
                throw new CliException(CliException.BAD_INPUT, "--tokenizer-dir needs --student-config");
            }
            return new Student(ModelFiles.namedSize(size), StudentOrigin.BYTE_LEVEL);
        }
        requireConfigAndTokenizerDir();
        Tokenizer tokenizer = null;
        try {
            HfConfig config = HfImport.readConfigFile(studentConfig);
            tokenizer = Tokenizers.forModelDir(tokenizerDir);
            if (config.model().vocab() < tokenizer.vocabSize()) {
                throw new IllegalArgumentException(
                        "--student-config has vocab_size " + config.model().vocab() + ", the tokenizer in "
                                + tokenizerDir + " " + tokenizer.vocabSize() + " ids");
            }
            CompanionFiles companions = HfStudent.companions(studentConfig, tokenizerDir, tokenizer);
            return new Student(config.model(), new StudentOrigin(tokenizer, companions, Optional.empty()));
        } catch (IOException | IllegalArgumentException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        }
    }

    private Student pruned(Path teacherDir) throws IOException {
        requireDirectory(teacherDir, "--init-from-teacher");
        boolean hf = HfImport.isHfModel(teacherDir);
        LmConfig teacher = ModelFiles.readConfig(teacherDir);
        int[] keep = layers != null ? layers : DepthPruning.everyOther(teacher.layers());
        LmConfig model = DepthPruning.studentConfig(teacher, keep);
        Tokenizer tokenizer = hf ? Tokenizers.forModelDir(teacherDir) : ByteTokenizer.get();
        CompanionFiles companions = hf ? HfStudent.companions(teacherDir, tokenizer) : CompanionFiles.BYTE_LEVEL;
        StudentOrigin.Initializer copyBlocks = fresh -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                Gpt t = hf
                        ? HfImport.load(teacherDir, Precision.FP32, manager).gpt()
                        : ModelBundle.load(teacherDir, manager);
                DepthPruning.copy(t, fresh, keep);
            }
        };
        return new Student(model, new StudentOrigin(tokenizer, companions, Optional.of(copyBlocks)));
    }

    private Student fromConfig(Path file) throws IOException {
        requireConfigAndTokenizerDir();
        HfConfig student = HfImport.readConfigFile(file);
        HfConfig teacher = HfStudent.readTeacher(tokenizerDir);
        if (student.family() != teacher.family()) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    "--student-config is a " + student.family().architecture() + ", the teacher in " + tokenizerDir
                            + " a " + teacher.family().architecture());
        }
        Tokenizer tokenizer = Tokenizers.forModelDir(tokenizerDir);
        if (student.model().vocab() != teacher.model().vocab()) {
            throw new CliException(
                    CliException.BAD_INPUT,
                    "--student-config has vocab_size " + student.model().vocab() + ", the teacher "
                            + teacher.model().vocab() + ": a student reads the teacher's ids");
        }
        return new Student(
                student.model(),
                new StudentOrigin(tokenizer, HfStudent.companions(tokenizerDir, tokenizer), Optional.empty()));
    }

    private void requireConfigAndTokenizerDir() {
        if (!Files.isRegularFile(studentConfig)) {
            throw new CliException(CliException.BAD_INPUT, "--student-config: no file at " + studentConfig);
        }
        if (tokenizerDir == null) {
            throw new CliException(
                    CliException.BAD_INPUT, "--student-config needs --tokenizer-dir (the teacher's directory)");
        }
        requireDirectory(tokenizerDir, "--tokenizer-dir");
    }

    private static void requireDirectory(Path dir, String flag) {
        if (!Files.isDirectory(dir)) {
            throw new CliException(CliException.BAD_INPUT, flag + ": no directory at " + dir);
        }
    }
}
