package io.nucleon.trigger.http.auth;

/**
 * What {@link HttpAuth#check} decided about a request: let in, as an {@link AuthIdentity}, or
 * refused, with an {@link AuthRefusal} that carries the prepared answer.
 */
public sealed interface AuthVerdict permits AuthIdentity, AuthRefusal {}
