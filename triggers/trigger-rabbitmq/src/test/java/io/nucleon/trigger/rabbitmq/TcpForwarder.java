package io.nucleon.trigger.rabbitmq;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy for tests: once {@link #start started}, it listens on a fixed loopback port and
 * forwards every connection, byte for byte, to a target. Before that nothing listens on the port,
 * so a client there gets "connection refused", as from a broker that is not up yet; the real broker
 * behind it stays up for everyone else.
 */
@SuppressWarnings("try") // close() waits for the copying threads
final class TcpForwarder implements AutoCloseable {
    private final int port;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    TcpForwarder(int port, InetSocketAddress target) {
        this.port = port;
        this.target = target;
    }

    /** A loopback port nothing listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    /** Starts listening and forwarding. */
    void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        server = s;
        thread("accept", this::acceptLoop);
    }

    private void acceptLoop() {
        ServerSocket s = server;
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException closed) {
                return;
            }
            sockets.add(client);
            Socket upstream = new Socket();
            sockets.add(upstream);
            try {
                upstream.connect(target, 5000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            thread("to-target", () -> pipe(client, upstream));
            thread("to-client", () -> pipe(upstream, client));
        }
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput(); // pass the end of stream on
        } catch (SocketException closed) {
            closeQuietly(to);
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void thread(String role, Runnable body) {
        Thread t = new Thread(body, "tcp-forwarder-" + port + "-" + role);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Stops listening, cuts every forwarded connection and waits for the forwarding threads. */
    @Override
    public void close() throws InterruptedException {
        ServerSocket s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        sockets.forEach(TcpForwarder::closeQuietly);
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
