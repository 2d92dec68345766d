/**
 * Authentication of the {@code http} trigger's callers: the {@code auth} attributes
 * ({@link io.nucleon.trigger.http.auth.HttpAuthOptions}), checked once per request as soon as its
 * head has arrived:
 * <pre>
 *  RequestAssembler ──head──▶ HttpAuth.check ──▶ exempt path?  ─yes─▶ AuthIdentity.NONE
 *   (event loop)                  │                  │ no
 *                                 │                  ▼
 *                                 │          Authenticator (Basic | Bearer | Jwt, immutable snapshot)
 *                                 │                  │
 *                                 │      AuthIdentity (auth.subject, auth.claim.*) ─▶ body read, event, dispatch
 *                                 │      AuthRefusal (prepared 401/403) ─▶ answered in order, body dropped unread
 *                                 │
 *  reloader thread ── every reloadInterval: files changed? ─▶ load a new Authenticator, swap it in
 * </pre>
 * Internal to the trigger: the public types are public only so that the trigger's own package can
 * use them.
 */
package io.nucleon.trigger.http.auth;
