package io.nucleon.runtime.external.supervision;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Logger;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Everything a worker's wrapper says that reaches the processor's log: its {@code LOG} frames and
 * the lines of its stdout and stderr. One per worker, kept across restarts of its wrapper, so a
 * wrapper that keeps dying does not get a fresh allowance each time.
 *
 * <p>All three sources share one {@link LogLineBudget} ({@code runtimeAttributes.maxLogLinesPerSecond}
 * and {@code logLineBurst}). A line over the budget is dropped (never waited for: the pumps must keep
 * draining the wrapper's pipes, and the worker thread must keep reading frames), counted in
 * {@code nucleon_wrapper_log_lines_dropped_total{source}}, and reported by one WARN summary line
 * {@link #SUMMARY_INTERVAL_SECONDS} after the first drop. All text is escaped by {@link UntrustedText}, and
 * each message or value is cut at {@link #MAX_TEXT} characters.
 *
 * <p>Thread-safe: frames come from the worker's thread, lines from the two pump threads.
 */
public final class WrapperLog {
    /** How long after the first dropped line the summary of the drops is logged. */
    public static final long SUMMARY_INTERVAL_SECONDS = 5;
    /** The longest message or field value (in characters) logged from a LOG frame; the rest is cut. */
    static final int MAX_TEXT = 16 << 10;
    /** The longest traceback (in characters) logged from an ERROR or INIT_FAILED frame; the rest is cut. */
    static final int MAX_TRACEBACK = 64 << 10;
    /** The most fields of one LOG frame that are logged. */
    static final int MAX_FIELDS = 64;
    /** The longest line of a wrapper's stdout or stderr logged, in bytes; the rest of the line is skipped ({@link OutputPump}). */
    public static final int MAX_OUTPUT_LINE_BYTES = 16 << 10;

    /** Where a line came from; the {@code source} tag of the dropped-lines counter. */
    enum Source {
        LOG("log"),
        STDOUT("stdout"),
        STDERR("stderr");

        final String tag;

        Source(String tag) {
            this.tag = tag;
        }
    }

    private final WrapperSettings settings;
    private final WrapperMetrics metrics;
    private final ScheduledExecutorService timer;
    private final Context ctx;
    /** {@code nucleon.wrapper.<function>}: stdout, stderr and the drop summaries ({@code LOG} frames go to the worker's logger). */
    private final org.slf4j.Logger wrapperLog;

    private final LogLineBudget budget;
    private final AtomicLong[] pendingDrops = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final AtomicBoolean summaryScheduled = new AtomicBoolean();
    private volatile long firstDropNanos;

    /** The log of the worker of {@code ctx}; {@code timer} schedules the drop summaries. */
    WrapperLog(WrapperSettings settings, WrapperMetrics metrics, ScheduledExecutorService timer, Context ctx) {
        this.settings = settings;
        this.metrics = metrics;
        this.timer = timer;
        this.ctx = ctx;
        this.wrapperLog = LoggerFactory.getLogger("nucleon.wrapper." + settings.functionName());
        this.budget = new LogLineBudget(settings.maxLogLinesPerSecond(), settings.logLineBurst());
    }

    /**
     * Takes one line of {@code source} from the budget. {@code false}: the line is over the budget and
     * has been counted as dropped; the caller drops it. Never blocks.
     */
    boolean admit(Source source) {
        if (budget.tryTake()) {
            return true;
        }
        pendingDrops[source.ordinal()].incrementAndGet();
        metrics.countDroppedLine(source);
        if (summaryScheduled.compareAndSet(false, true)) {
            firstDropNanos = System.nanoTime();
            try {
                timer.schedule(this::reportDrops, SUMMARY_INTERVAL_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                reportDrops(); // the runtime is closing: say it now
            }
        }
        return false;
    }

    /** Logs how many lines were dropped since the last report, if any. Also called when the worker closes. */
    public void reportDrops() {
        summaryScheduled.set(false);
        long log = pendingDrops[Source.LOG.ordinal()].getAndSet(0);
        long out = pendingDrops[Source.STDOUT.ordinal()].getAndSet(0);
        long err = pendingDrops[Source.STDERR.ordinal()].getAndSet(0);
        long total = log + out + err;
        if (total == 0) {
            return;
        }
        long elapsedMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstDropNanos));
        wrapperLog
                .atWarn()
                .addKeyValue("worker", ctx.workerId())
                .addKeyValue("trigger", ctx.triggerName())
                .log("dropped " + total + " lines from the " + settings.kind() + " wrapper of worker "
                        + ctx.triggerName()
                        + "/" + ctx.workerId() + " in the last "
                        + String.format(java.util.Locale.ROOT, "%.1f", elapsedMillis / 1000.0)
                        + " s (" + log + " log calls, " + out + " stdout lines, " + err
                        + " stderr lines): it logged more than "
                        + "runtimeAttributes.maxLogLinesPerSecond (" + settings.maxLogLinesPerSecond()
                        + "/s, bursts of "
                        + settings.logLineBurst() + ")");
    }

    /** A line of the wrapper's stdout (INFO) or stderr (WARN), already admitted; {@code text} is escaped here. */
    void outputLine(Source source, long pid, String text) {
        wrapperLog
                .atLevel(source == Source.STDERR ? Level.WARN : Level.INFO)
                .addKeyValue("worker", ctx.workerId())
                .addKeyValue("pid", pid)
                .addKeyValue("stream", source.tag)
                .log(UntrustedText.oneLine(text));
    }

    /** A LOG frame: into the worker's structured logger, at its level, with its fields; subject to the budget. */
    public void frame(String json) {
        if (!admit(Source.LOG)) {
            return;
        }
        JsonNode n;
        try {
            n = MetaCodec.object(json, "LOG");
        } catch (ProtocolException e) {
            wrapperLog
                    .atWarn()
                    .addKeyValue("worker", ctx.workerId())
                    .log("unreadable LOG frame: " + UntrustedText.oneLine(e.getMessage()));
            return;
        }
        String message = text(n.path("message").asText(""));
        JsonNode with = n.get("with");
        Object[] kv;
        if (with != null && with.isObject() && with.size() > 0) {
            int fields = Math.min(with.size(), MAX_FIELDS);
            kv = new Object[(fields + (with.size() > MAX_FIELDS ? 1 : 0)) * 2];
            int i = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = with.properties().iterator();
                    it.hasNext() && i < fields * 2; ) {
                Map.Entry<String, JsonNode> e = it.next();
                kv[i++] = text(e.getKey());
                kv[i++] = plain(e.getValue());
            }
            if (with.size() > MAX_FIELDS) {
                kv[i++] = "fieldsCut";
                kv[i] = with.size() - MAX_FIELDS;
            }
        } else {
            kv = new Object[0];
        }
        Logger logger = ctx.logger();
        switch (n.path("level").asText("info")) {
            case "debug" -> logger.debug(message, kv);
            case "warn", "warning" -> logger.warn(message, kv);
            case "error" -> logger.error(message, kv);
            default -> logger.info(message, kv);
        }
    }

    /** Escaped onto one line, and cut at {@link #MAX_TEXT} characters. */
    public static String text(String s) {
        return UntrustedText.oneLine(cut(s, MAX_TEXT));
    }

    /** A traceback: escaped as a {@link UntrustedText#block}, and cut at {@link #MAX_TRACEBACK} characters. */
    public static String traceback(String s) {
        return UntrustedText.block(cut(s, MAX_TRACEBACK));
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "… [" + (s.length() - end) + " more characters cut]";
    }

    private static Object plain(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return text(v.asText());
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.asLong() : v.bigIntegerValue();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return text(v.toString());
    }
}
