/**
 * The wrapper protocol of {@code docs/protocol.md}, apart from how its bytes travel: the frame types
 * and layout ({@link io.nucleon.runtime.external.protocol.Protocol}, the one source of every offset),
 * the decoding of what a wrapper sends into a {@link io.nucleon.runtime.external.protocol.Message},
 * and the meta JSON of an event and a response ({@link io.nucleon.runtime.external.protocol.MetaCodec}).
 *
 * <pre>
 *  processor ──EVENT(seq, meta, body)──▶ wrapper        STOP, DOORBELL: no payload
 *  processor ◀─LOG … METRIC … RESPONSE(seq, meta, body) or ERROR(seq, json)── wrapper
 *
 *  a frame: | length u32 | type u8 | payload … |      little-endian; length = type + payload
 * </pre>
 *
 * Whatever a peer sends, decoding ends in a message or a
 * {@link io.nucleon.runtime.external.protocol.ProtocolException}, after which the wrapper is restarted.
 * Internal to the runtime (public only for the packages above it).
 */
package io.nucleon.runtime.external.protocol;
