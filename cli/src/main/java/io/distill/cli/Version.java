package io.distill.cli;

import picocli.CommandLine.IVersionProvider;

/** The version Maven stamped into the jar manifest. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Distill.class.getPackage().getImplementationVersion();
        return new String[] {"distill " + (version == null ? "(development build)" : version)};
    }
}
