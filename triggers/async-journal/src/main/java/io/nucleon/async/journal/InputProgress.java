package io.nucleon.async.journal;

/**
 * How far the dispatcher is in the input log: what the status log needs to tell a call that waits
 * from one that runs or has finished, when it holds no status record of the call. Thread-safe.
 */
interface InputProgress {

    /** The index of the last entry committed as done (it and every entry before it), or -1. */
    long processedIndex();

    /** Whether the entry at {@code index} is handed out and not yet done. */
    boolean handedOut(long index);
}
