package io.distill.cli;

import io.distill.cli.demo.DemoCommand;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        usageHelpAutoWidth = true,
        versionProvider = Version.class,
        description = {
            "Continuous knowledge distillation for language models over Apache Kafka.",
            "",
            "A teacher service reads text from a topic, runs a large model on it and publishes its soft labels; "
                    + "a student trainer learns from them continuously and publishes checkpoints that other "
                    + "services hot-reload. Start a local broker, feed it text, and watch a small model learn "
                    + "from a big one.",
            ""
        },
        subcommands = {
            BrokerCommand.class,
            FeedCommand.class,
            TeacherCommand.class,
            PretrainCommand.class,
            EvalCommand.class,
            GenerateCommand.class,
            TrainCommand.class,
            CheckpointsCommand.class,
            ExportCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Every option can also be set from an environment variable: --bootstrap from DISTILL_BOOTSTRAP, "
                    + "--data-dir from DISTILL_DATA_DIR, and so on. Kafka client settings come from KAFKA_* "
                    + "variables (KAFKA_SECURITY_PROTOCOL=SASL_SSL) or --kafka-config FILE.",
            "",
            "Run 'distill COMMAND --help' for a command's options."
        })
public final class Distill implements Runnable {
    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // DJL must never download anything: the PyTorch natives ship in the pytorch-native-cpu jar.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        // Nor call home: DJL's telemetry probes a cloud metadata address whenever an engine or tokenizer loads.
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The configured command line; tests call this with their own environment and streams. */
    static CommandLine commandLine(Map<String, String> environment) {
        return new CommandLine(new Distill())
                .setDefaultValueProvider(new EnvironmentDefaults(environment))
                .setExecutionExceptionHandler(knownFailures())
                .setParameterExceptionHandler(badArguments());
    }

    /** Known failures become one line and an exit code; anything else keeps its stack trace. */
    private static IExecutionExceptionHandler knownFailures() {
        return (exception, commandLine, parseResult) -> {
            if (exception instanceof CliException e) {
                commandLine.getErr().println("distill " + commandLine.getCommandName() + ": " + e.getMessage());
                return e.exitCode();
            }
            Optional<String> refused = KafkaRefusal.describe(exception);
            if (refused.isPresent()) {
                commandLine.getErr().println("distill " + commandLine.getCommandName() + ": " + refused.get());
                return CliException.FAILED;
            }
            throw exception;
        };
    }

    /** A bad flag or value: one line saying what is wrong and where to look, not the whole usage text. */
    private static IParameterExceptionHandler badArguments() {
        return (ParameterException e, String[] args) -> {
            CommandLine cmd = e.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println("distill: " + e.getMessage() + " (see 'distill " + commandPath(cmd) + "--help')");
            return CliException.BAD_INPUT;
        };
    }

    private static String commandPath(CommandLine cmd) {
        String qualified = cmd.getCommandSpec().qualifiedName(" ");
        return qualified.equals("distill") ? "" : qualified.substring("distill ".length()) + " ";
    }
}
