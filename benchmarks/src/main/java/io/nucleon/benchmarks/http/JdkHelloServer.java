package io.nucleon.benchmarks.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The floor for Nucleon's http trigger: the JDK's built-in {@code com.sun.net.httpserver} answering
 * every request with {@code 200 "Hello, world!"} ({@code text/plain; charset=utf-8}, with a
 * {@code Content-Length}) from a fixed pool of one thread per available processor. It is what a
 * function server written with nothing but the JDK would be.
 *
 * <p><b>Run it with {@code -Dsun.net.httpserver.nodelay=true}</b> (http-compare.sh does). Without it
 * the JDK server leaves Nagle's algorithm on, and every keep-alive response waits for the client's
 * delayed ACK, which would measure the TCP stack's timers rather than the server.
 *
 * <pre>java -Dsun.net.httpserver.nodelay=true -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.http.JdkHelloServer [port]</pre>
 * Listens on 127.0.0.1; {@code port} defaults to 18083.
 */
public final class JdkHelloServer {
    private static final byte[] HELLO = "Hello, world!".getBytes(StandardCharsets.UTF_8);

    private JdkHelloServer() {}

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18083;
        int threads = Runtime.getRuntime().availableProcessors();
        if (!Boolean.getBoolean("sun.net.httpserver.nodelay")) {
            System.err.println(
                    "warning: run with -Dsun.net.httpserver.nodelay=true, or responses wait for delayed ACKs");
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/", JdkHelloServer::hello);
        server.setExecutor(pool);
        server.start();
        System.out.println("jdk hello server on 127.0.0.1:" + port + " (" + threads + " threads)");
    }

    private static void hello(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, HELLO.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(HELLO);
            }
        }
    }
}
