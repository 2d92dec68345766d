package io.nucleon.core.runtime;

/** A class with the right constructor that no runtime or adapter takes. */
public class NotAHandler {
    public String handle(Object event) {
        return String.valueOf(event);
    }
}
