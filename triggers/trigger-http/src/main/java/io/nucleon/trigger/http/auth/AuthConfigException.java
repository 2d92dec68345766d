package io.nucleon.trigger.http.auth;

/**
 * An {@code auth} attribute that cannot be used: the attribute's path under the trigger's
 * attributes (e.g. {@code auth.secretFile}) and what is wrong with it. The message is ours, made
 * from file paths, line numbers and counts: never from a file's content, so it may be logged.
 */
final class AuthConfigException extends Exception {
    private final String attribute;

    AuthConfigException(String attribute, String message) {
        super(message, null, false, false);
        this.attribute = attribute;
    }

    /** The attribute's path under the trigger's attributes. */
    String attribute() {
        return attribute;
    }
}
