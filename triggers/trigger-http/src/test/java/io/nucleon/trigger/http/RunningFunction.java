package io.nucleon.trigger.http;

import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A processor with one http trigger on a free loopback port, for tests; closes itself. */
final class RunningFunction implements AutoCloseable {
    final Processor processor;
    final int port;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningFunction(Processor processor) {
        this.processor = processor;
        @SuppressWarnings("unchecked")
        Map<String, Object> trigger =
                ((List<Map<String, Object>>) processor.status().get("triggers")).get(0);
        this.port = (Integer) trigger.get("port");
    }

    static RunningFunction start(Handler handler, Consumer<Processor.TriggerBuilder> trigger) throws Exception {
        return start(handler, Duration.ofSeconds(30), trigger);
    }

    static RunningFunction start(Handler handler, Duration eventTimeout, Consumer<Processor.TriggerBuilder> trigger)
            throws Exception {
        Processor p = Processor.builder()
                .name("test")
                .handler(handler)
                .eventTimeout(eventTimeout)
                .drainTimeout(Duration.ofSeconds(10))
                .trigger("web", "http", t -> {
                    t.attribute("host", "127.0.0.1").attribute("port", 0);
                    trigger.accept(t);
                })
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        return new RunningFunction(p);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    URI control(String path) {
        InetSocketAddress a = processor.controlAddress();
        return URI.create("http://127.0.0.1:" + a.getPort() + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A GET with extra headers given as name, value, name, value … */
    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> getControl(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(control(path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A raw connection, for what HttpClient will not send (pipelining, malformed requests, stalls). */
    RawConnection raw() throws IOException {
        return new RawConnection(port);
    }

    @Override
    public void close() {
        processor.stop(Duration.ofSeconds(5));
    }

    static final class RawConnection implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        RawConnection(int port) throws IOException {
            this(new Socket("127.0.0.1", port));
            socket.setSoTimeout(10_000);
        }

        /** Over a socket already open (a TLS one, say); keeps its timeout. */
        RawConnection(Socket socket) throws IOException {
            this.socket = socket;
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Reads one response (status line, headers, Content-Length body). Returns null at end of stream. */
        RawResponse read() throws IOException {
            String statusLine = line();
            if (statusLine == null) {
                return null;
            }
            Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String l;
            while ((l = line()) != null && !l.isEmpty()) {
                int c = l.indexOf(':');
                headers.put(l.substring(0, c).trim(), l.substring(c + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new RawResponse(
                    Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
        }

        /** Whether the server closed the connection (reads end of stream within the socket timeout). */
        boolean closedByServer() throws IOException {
            try {
                return in.read() == -1;
            } catch (java.net.SocketException e) {
                return true;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) b);
            }
            return sb.length() == 0 ? null : sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    record RawResponse(int status, Map<String, String> headers, String body) {}
}
