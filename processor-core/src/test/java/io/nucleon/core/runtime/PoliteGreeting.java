package io.nucleon.core.runtime;

/** A {@link Greeting}, so neither a Handler nor a class the runtime knows: an adapter runs it. */
public class PoliteGreeting implements Greeting {
    private int count;

    @Override
    public String greet(String name) {
        count++; // one instance per worker: no lock needed
        return "good day " + name + " #" + count;
    }
}
