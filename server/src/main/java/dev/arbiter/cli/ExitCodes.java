package dev.arbiter.cli;

/** Process exit codes, stable for supervisors and scripts. */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int BAD_CONFIGURATION = 2;
  public static final int SUSTAINED_FAILURE = 3;

  private ExitCodes() {}
}
