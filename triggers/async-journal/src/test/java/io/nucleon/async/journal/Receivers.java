package io.nucleon.async.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Callback receivers on raw sockets (127.0.0.1, a free port) that behave badly on purpose, for the tests. */
final class Receivers {
    private Receivers() {}

    /** What a raw receiver does with a connection once it has read the request. */
    enum Behaviour {
        /** Accept and close at once, reading nothing: counts who got this far. */
        COUNT_ONLY,
        /** 200 with a large Content-Length, then one byte every 200 ms, never finishing. */
        TRICKLE,
        /** 200 with a 1 GiB Content-Length, then bytes as fast as the connection takes them. */
        FLOOD
    }

    /** A listener on 127.0.0.1 that counts connections and concurrency, and answers as {@link Behaviour} says. */
    static final class Raw implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final AtomicLong bytesWritten = new AtomicLong();
        private final Behaviour behaviour;
        private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-receiver");
            t.setDaemon(true);
            return t;
        });
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private volatile boolean closed;

        Raw(Behaviour behaviour) throws IOException {
            this.behaviour = behaviour;
            this.server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            threads.execute(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!closed) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                if (behaviour == Behaviour.COUNT_ONLY) {
                    close(s);
                    continue;
                }
                open.add(s);
                threads.execute(() -> serve(s));
            }
        }

        private void serve(Socket s) {
            int now = current.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            try (s) {
                readRequest(s.getInputStream());
                OutputStream out = s.getOutputStream();
                long length = behaviour == Behaviour.TRICKLE ? 1_000_000 : 1L << 30;
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] chunk = new byte[behaviour == Behaviour.TRICKLE ? 1 : 8192];
                long nextByte = 0;
                s.setSoTimeout(20);
                while (!closed) {
                    if (behaviour == Behaviour.TRICKLE) {
                        // the trickle is the behaviour under test: a byte every 200 ms; meanwhile a read
                        // notices at once when the client hangs up (so the concurrency counted is exact)
                        try {
                            if (s.getInputStream().read() < 0) {
                                return;
                            }
                        } catch (java.net.SocketTimeoutException waiting) {
                            // still connected
                        }
                        if (System.nanoTime() - nextByte < 0) {
                            continue;
                        }
                        nextByte = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                    }
                    out.write(chunk);
                    out.flush();
                    bytesWritten.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the client gave up: what is tested
            } finally {
                current.decrementAndGet();
                open.remove(s);
            }
        }

        /** Reads the request line, headers and a Content-Length body. */
        private static void readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            long length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length =
                            Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            in.readNBytes((int) length);
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            server.close();
            for (Socket s : open) {
                close(s);
            }
            threads.shutdownNow();
            try {
                threads.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
