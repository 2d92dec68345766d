package io.nucleon.runtime.external;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Reads a wrapper's stdout or stderr line by line into the processor's log, keeping the last lines
 * for error reports. Lines are cut at 16 KiB. One daemon thread per stream; it ends with the process.
 */
final class OutputPump implements Runnable {
    private static final int MAX_LINE = 16 << 10;
    private static final int TAIL_LINES = 20;

    private final InputStream in;
    private final Logger log;
    private final Level level;
    private final String stream;
    private final int worker;
    private final long pid;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final Thread thread;

    OutputPump(InputStream in, Logger log, Level level, String stream, String threadName, int worker, long pid) {
        this.in = in;
        this.log = log;
        this.level = level;
        this.stream = stream;
        this.worker = worker;
        this.pid = pid;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public void run() {
        byte[] line = new byte[MAX_LINE];
        int n = 0;
        try (InputStream s = new BufferedInputStream(in)) {
            int b;
            while ((b = s.read()) >= 0) {
                if (b == '\n' || n == MAX_LINE) {
                    emit(line, n);
                    n = 0;
                    if (b == '\n') {
                        continue;
                    }
                }
                line[n++] = (byte) b;
            }
        } catch (IOException ignored) {
            // the process is gone
        }
        if (n > 0) {
            emit(line, n);
        }
    }

    private void emit(byte[] line, int n) {
        int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        String text = new String(line, 0, end, StandardCharsets.UTF_8);
        synchronized (tail) {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(text);
        }
        log.atLevel(level).addKeyValue("worker", worker).addKeyValue("pid", pid).addKeyValue("stream", stream).log(text);
    }

    /** The last lines read, after waiting (briefly) for the stream's end when the process has exited. */
    String lastLines(long waitMillis) {
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
