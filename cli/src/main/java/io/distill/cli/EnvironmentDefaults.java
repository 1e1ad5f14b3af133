package io.distill.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Lets every option be set from the environment, so a container needs no other configuration layer: {@code
 * --bootstrap} reads {@code DISTILL_BOOTSTRAP}, {@code --data-dir} reads {@code DISTILL_DATA_DIR}. A flag on the
 * command line wins over the environment, which wins over the built-in default.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
    static final String PREFIX = "DISTILL_";

    private final Map<String, String> environment;

    EnvironmentDefaults(Map<String, String> environment) {
        this.environment = environment;
    }

    /** The variable that sets an option, e.g. {@code --checkpoint-dir} gives {@code DISTILL_CHECKPOINT_DIR}. */
    static String variableFor(String longOptionName) {
        return PREFIX + longOptionName.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        return environment.get(variableFor(option));
    }

    /** The variable of an option: from its first long name, so that aliases ({@code --bootstrap-server}) share it. */
    static String variableFor(OptionSpec option) {
        for (String name : option.names()) {
            if (name.startsWith("--")) {
                return variableFor(name);
            }
        }
        return variableFor(option.longestName());
    }
}
