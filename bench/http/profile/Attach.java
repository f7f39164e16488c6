import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a JVMTI agent into a running JVM: {@code java Attach.java PID OPTIONS LIBRARY}. Used to
 * start and stop async-profiler around a measured run (jcmd's JVMTI.agent_load splits options on
 * '=', which async-profiler's options need).
 */
public class Attach {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    try {
      vm.loadAgentPath(args[2], args[1]);
    } finally {
      vm.detach();
    }
  }
}
