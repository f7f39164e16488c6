import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The machine's floor for the paced runs of run-recommend.sh: an HTTP server that does nothing (the
 * JDK's, a constant JSON answer on every path, X-Request-ID echoed), run on the same cores under
 * the same load generator. Its latency at Recommend's half-peak rate is what the machine, its
 * scheduler and wrk add before any server work; a target below it cannot be read on that machine.
 *
 * <p>Usage: java bench/http/Floor.java PORT
 */
public class Floor {
  public static void main(String[] args) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
    // about /health/live's size, and its own: run-recommend.sh checks that the port answers this
    byte[] body = "{\"floor\":true}".getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          String id = exchange.getRequestHeaders().getFirst("X-Request-ID");
          if (id != null) {
            exchange.getResponseHeaders().add("X-Request-ID", id);
          }
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }
}
