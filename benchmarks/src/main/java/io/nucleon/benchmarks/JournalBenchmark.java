package io.nucleon.benchmarks;

import io.nucleon.async.journal.AcceptResult;
import io.nucleon.async.journal.AsyncJournal;
import io.nucleon.async.journal.JournalEntry;
import io.nucleon.async.journal.JournalRecord;
import io.nucleon.trigger.http.async.AsyncRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Append and tail throughput of the async calls' intake journal (nucleon-async-journal). The forked
 * JVM gets the flags Chronicle needs from {@code @Fork(jvmArgsAppend)} below.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED"
        })
public class JournalBenchmark {

    /** Body size in bytes. */
    @Param({"64", "1024"})
    public int bodySize;

    /** Force each append to disk (msync) before it returns. */
    @Param({"false"})
    public boolean syncOnAppend;

    private static final byte[] RESULT = "{\"greeting\":\"Hello, Ada!\"}".getBytes(StandardCharsets.UTF_8);

    private Path dir;
    private AsyncJournal journal;
    private JournalEntry entry;
    private AsyncRequest request;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("journal-bench");
        journal = AsyncJournal.builder(dir)
                .maintenanceInterval(null)
                .syncOnAppend(syncOnAppend)
                .open();
        entry = JournalEntry.builder()
                .id("bench-0001")
                .method("POST")
                .path("/fn")
                .url("http://localhost:8080/fn")
                .header("Content-Type", "application/json")
                .header("X-Request-Id", "abc")
                .field("q", "1")
                .contentType("application/json")
                .body(new String(new char[bodySize]).replace('\0', 'x').getBytes(StandardCharsets.UTF_8))
                .build();
        request = new AsyncRequest(
                entry.method(),
                entry.path(),
                entry.url(),
                entry.headers(),
                entry.fields(),
                entry.contentType(),
                entry.body(),
                null,
                System.currentTimeMillis());
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        journal.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One accepted request: encode and append. */
    @Benchmark
    public AcceptResult append() {
        return journal.append(entry);
    }

    /**
     * One accepted HTTP call as the async intake appends it: the trigger's request written straight
     * into the journal, its id derived from its index (nothing recorded on the heap).
     */
    @Benchmark
    public AcceptResult accept() {
        return journal.append(request);
    }

    /** {@link #accept()}, then poll, record the result and markDone: one async call through the journal. */
    @Benchmark
    public JournalRecord acceptThenPollSucceedAndMarkDone() {
        journal.append(request);
        JournalRecord r = journal.poll();
        journal.succeeded(r.entry(), 1, 200, "application/json", RESULT);
        journal.markDone(r.index());
        return r;
    }

    /**
     * One dispatched request: append, then poll and markDone (the tail side is measured with a
     * producer of the same speed; subtract {@link #append()} to estimate the tail alone).
     */
    @Benchmark
    public JournalRecord appendThenPollAndMarkDone() {
        journal.append(entry);
        JournalRecord r = journal.poll();
        journal.markDone(r.index());
        return r;
    }
}
