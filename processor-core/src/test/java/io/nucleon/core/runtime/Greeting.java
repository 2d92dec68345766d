package io.nucleon.core.runtime;

/** Another API's handler type, run through {@link GreetingAdapter}: what Nuclio's EventHandler is to the SDK module. */
public interface Greeting {
    String greet(String name);
}
