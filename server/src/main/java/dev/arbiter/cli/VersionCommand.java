package dev.arbiter.cli;

import dev.arbiter.ops.BuildVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code arbiter version}. */
@Command(name = "version", description = "Print the Arbiter version.")
class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("arbiter " + BuildVersion.load().version());
    return ExitCodes.OK;
  }

  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"arbiter " + BuildVersion.load().version()};
    }
  }
}
