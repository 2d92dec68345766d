#!/usr/bin/env python3
"""Nucleon Python wrapper: runs a Nuclio-style Python handler for a Nucleon processor.

The processor (P, the JVM) starts this file once per worker with its configuration in the
environment (docs/protocol.md, section 1) and sends it events over a Unix domain socket, or over
a pair of shared-memory rings with the socket used for doorbells and large frames (section 5).

One self-contained file, standard library only, Python 3.9+.
"""

import atexit
import collections
import datetime
import importlib
import inspect
import json
import mmap
import os
import platform as _platform
import socket
import struct
import sys
import threading
import time
import traceback
import types

PROTOCOL = 1
WRAPPER_VERSION = "0.1.0"

# Frame types (section 3).
T_HELLO = 0x01
T_INIT_FAILED = 0x02
T_STOP = 0x03
T_DOORBELL = 0x04
T_EVENT = 0x10
T_RESPONSE = 0x11
T_ERROR = 0x12
T_BINDING_RESULT = 0x13
T_EVENT_BATCH = 0x14
T_RESPONSE_BATCH = 0x15
T_LOG = 0x20
T_METRIC = 0x21
T_BINDING_CALL = 0x22
# What P may send ahead while the handler waits for a binding call's result: kept for later, in order.
_QUEUEABLE = frozenset((T_EVENT, T_EVENT_BATCH, T_STOP))

DEFAULT_MAX_FRAME = 64 * 1024 * 1024

_U32 = struct.Struct("<I")
_FRAME_HDR = struct.Struct("<IB")  # length, type
_SEQ_HDR = struct.Struct("<IBQ")  # length, type, seq              (ERROR)
_RESP_HDR = struct.Struct("<IBQI")  # length, type, seq, metaLength (RESPONSE)
_EVENT_HDR = struct.Struct("<QI")  # seq, metaLength (at the start of an EVENT payload)
_BATCH_ITEM = struct.Struct("<II")  # metaLength, bodyLength (each item of EVENT_BATCH / RESPONSE_BATCH)

_DOORBELL_FRAME = _FRAME_HDR.pack(1, T_DOORBELL)

# Precomputed RESPONSE metas for the common return types (status 200).
_META_EMPTY = b"{}"
_META_TEXT = b'{"contentType":"text/plain; charset=utf-8"}'
_META_OCTET = b'{"contentType":"application/octet-stream"}'
_META_JSON = b'{"contentType":"application/json"}'
_CT_TEXT = "text/plain; charset=utf-8"
_CT_OCTET = "application/octet-stream"
_CT_JSON = "application/json"

# Frames up to this size are joined into one buffer and written with a single sendall.
_JOIN_LIMIT = 64 * 1024


class ProtocolError(Exception):
    """The peer broke the protocol: W reports it on stderr and exits non-zero."""


class ChannelClosed(Exception):
    """P closed the socket."""


class BindingError(Exception):
    """A data binding call failed. `code` says why: unknownBinding, unknownOperation, badArguments,
    failed (the outside system failed) or notInEvent (called outside an event, or from a thread other
    than the handler's); the message says what and what is allowed."""

    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


def _die(status, message):
    """Exits at once with a message on stderr (no atexit, no waiting for user threads)."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    if message:
        try:
            sys.stderr.write("nucleon-python: %s\n" % message)
            sys.stderr.flush()
        except Exception:
            pass
    os._exit(status)


def _stop():
    """STOP: exit 0 now. atexit handlers run (user code may flush things there), but we do not
    wait for the user's non-daemon threads as sys.exit() would."""
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if run_exitfuncs is not None:
        try:
            run_exitfuncs()
        except BaseException:
            pass
    _die(0, None)


# --------------------------------------------------------------------------------------------
# Socket reading
# --------------------------------------------------------------------------------------------


class _SocketReader:
    """Reads frames from the socket into a preallocated buffer.

    read() returns (type, payload) where payload is a memoryview valid only until the next
    read(). Frames larger than the buffer get a buffer of their own.
    """

    def __init__(self, sock, max_frame, size=256 * 1024):
        self.sock = sock
        self.max_frame = max_frame
        self.buf = bytearray(size)
        self.mv = memoryview(self.buf)
        self.start = 0
        self.end = 0

    def _fill(self, need):
        """Makes at least `need` bytes available from self.start (need <= len(self.buf))."""
        avail = self.end - self.start
        if self.start + need > len(self.buf):
            # Move the partial frame to the front (copy first: the ranges may overlap).
            self.buf[0:avail] = bytes(self.mv[self.start:self.end])
            self.start = 0
            self.end = avail
        recv_into = self.sock.recv_into
        while self.end - self.start < need:
            n = recv_into(self.mv[self.end:])
            if n == 0:
                raise ChannelClosed()
            self.end += n

    def read(self):
        if self.end - self.start < 4:
            if self.start == self.end:
                self.start = self.end = 0
            self._fill(4)
        start = self.start
        (length,) = _U32.unpack_from(self.buf, start)
        if length == 0 or length > self.max_frame:
            raise ProtocolError(
                "received a frame length of %d on the socket (must be 1..NUCLEON_MAX_FRAME=%d)"
                % (length, self.max_frame))
        total = 4 + length
        if total <= len(self.buf):
            if self.end - start < total:
                self._fill(total)
                start = self.start
            self.start = start + total
            if self.start == self.end:
                self.start = self.end = 0  # the view below stays valid until the next read
            return self.buf[start + 4], self.mv[start + 5:start + total]
        # A frame larger than the buffer: read it into its own buffer.
        big = bytearray(length)
        have = self.end - start - 4
        big[0:have] = self.mv[start + 4:self.end]
        self.start = self.end = 0
        bmv = memoryview(big)
        recv_into = self.sock.recv_into
        while have < length:
            n = recv_into(bmv[have:])
            if n == 0:
                raise ChannelClosed()
            have += n
        return big[0], bmv[1:]


# --------------------------------------------------------------------------------------------
# Transports
# --------------------------------------------------------------------------------------------


class UdsChannel:
    """Every frame over the socket. send() is thread-safe; recv() is for the main thread only."""

    def __init__(self, sock, max_frame):
        self.sock = sock
        self.max_frame = max_frame
        self.reader = _SocketReader(sock, max_frame)
        self.lock = threading.Lock()

    def start_rings(self):
        pass

    def recv(self):
        return self.reader.read()

    def release(self):
        pass

    def send(self, parts, total):
        """Sends one frame given as byte-like parts; parts[0] starts with the 4-byte length and
        `total` is the byte count of all parts."""
        with self.lock:
            self._send_socket(parts, total)

    def _send_socket(self, parts, total):
        sendall = self.sock.sendall
        if len(parts) == 1:
            sendall(parts[0])
        elif total <= _JOIN_LIMIT:
            sendall(b"".join(parts))
        else:
            for p in parts:
                if len(p):
                    sendall(p)


def _fence(_lock=threading.Lock()):
    """A full (store-load) memory fence: acquiring a lock is an atomic read-modify-write
    (LOCK-prefixed on x86), which orders every earlier store before every later load."""
    _lock.acquire()
    _lock.release()


_PAD = 0xFFFFFFFF
# Indexes in the ring header viewed as u64 ('Q') and u32 ('I') arrays (section 5).
_Q_CAPACITY = 8 // 8
_Q_HEAD = 64 // 8
_Q_TAIL = 128 // 8
_I_SLEEPING = 192 // 4
_SPIN_S = 50e-6  # how long an idle consumer waits before it sleeps on the socket: ...
_PURE_SPIN_S = 5e-6  # ... spinning for this long, then yielding the core between looks


def _no_yield():
    pass


class _Ring:
    """One single-producer single-consumer ring in the mapped file.

    head/tail/sleeping are accessed through memoryview casts: CPython reads and writes a 'Q'
    ('I') item with one memcpy of a constant 8 (4) bytes, i.e. one aligned load or store.
    On x86-64 (TSO) ordinary loads have acquire and ordinary stores release semantics.
    """

    def __init__(self, mm, base, name):
        magic, version = struct.unpack_from("<II", mm, base)
        if magic != 0x5243554E or version != 1:
            raise ValueError("ring %s: bad magic 0x%08x or layout version %d" % (name, magic, version))
        (cap,) = struct.unpack_from("<Q", mm, base + 8)
        if cap < 65536 or cap & (cap - 1):
            raise ValueError("ring %s: capacity %d is not a power of two >= 64 KiB" % (name, cap))
        if base + 256 + cap > len(mm):
            raise ValueError("ring %s: the file is too small (%d bytes)" % (name, len(mm)))
        header = memoryview(mm)[base:base + 256]
        self.q = header.cast("Q")
        self.i = header.cast("I")
        self.data = memoryview(mm)[base + 256:base + 256 + cap]
        self.d32 = self.data.cast("I")
        self.cap = cap
        self.mask = cap - 1
        self.head = self.q[_Q_HEAD]  # our copy: the consumer owns head
        self.tail = self.q[_Q_TAIL]  # our copy: the producer owns tail
        self.next_head = None

    # -- consumer side ----------------------------------------------------------------------

    def poll(self, max_frame):
        """Returns the next record as a memoryview of (type, payload), or None if the ring is
        empty. The record stays in the ring until release()."""
        q = self.q
        head = self.head
        while True:
            available = q[_Q_TAIL] - head
            if available == 0:
                return None
            if available < 0 or available > self.cap:
                raise ProtocolError("ring A's tail is not within one ring of its head")
            at = head & self.mask
            length = self.d32[at >> 2]
            if length == _PAD:
                if self.cap - at > available:
                    raise ProtocolError("a pad marker in ring A runs past the published tail")
                head += self.cap - at
                self.head = head
                q[_Q_HEAD] = head
                continue
            if length == 0 or length > max_frame or 4 + length > self.cap // 2:
                raise ProtocolError(
                    "received a record length of %d in ring A (must be 1..min(NUCLEON_MAX_FRAME=%d, "
                    "capacity/2-4))" % (length, max_frame))
            need = (4 + length + 7) & ~7
            if at + need > self.cap or need > available:
                raise ProtocolError("a record of %d bytes in ring A runs past the %s"
                                    % (length, "end of the ring" if at + need > self.cap else "published tail"))
            self.next_head = head + need
            return self.data[at + 4:at + 4 + length]

    def release(self):
        """Frees the record returned by the last poll()."""
        if self.next_head is not None:
            self.head = self.next_head
            self.next_head = None
            self.q[_Q_HEAD] = self.head

    # -- producer side ----------------------------------------------------------------------

    def publish(self, parts, total):
        """Publishes one frame (parts as for UdsChannel.send). Returns True when the consumer
        announced it is sleeping, i.e. a doorbell is due. Caller holds the send lock."""
        cap = self.cap
        need = (total + 7) & ~7
        tail = self.tail
        at = tail & self.mask
        pad = cap - at if at + need > cap else 0
        q = self.q
        if cap - (tail - q[_Q_HEAD]) < pad + need:
            self._wait_space(tail, pad + need)
        if pad:
            self.d32[at >> 2] = _PAD
            tail += pad
            at = 0
        # The length is written with the rest of the record; the consumer cannot look at it
        # before the tail store below, which comes after every store of the record.
        data = self.data
        pos = at
        for p in parts:
            n = len(p)
            data[pos:pos + n] = p
            pos += n
        tail += need
        self.tail = tail
        q[_Q_TAIL] = tail  # release
        _fence()
        return self.i[_I_SLEEPING] == 1

    def _wait_space(self, tail, want):
        # P is draining the ring: spin a little, then sleep with a growing pause.
        q = self.q
        cap = self.cap
        spins = 0
        pause = 20e-6
        while cap - (tail - q[_Q_HEAD]) < want:
            spins += 1
            if spins > 200:
                time.sleep(pause)
                pause = min(pause * 2, 1e-3)


class ShmChannel(UdsChannel):
    """Frames over the two rings of the mapped file (ring A: P -> W, ring B: W -> P); the
    socket carries doorbells and frames too large for a ring (section 5)."""

    def __init__(self, sock, max_frame, path):
        super().__init__(sock, max_frame)
        if sys.byteorder != "little":
            raise ValueError("the shm transport needs a little-endian host")
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            self.mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.ring_a = _Ring(self.mm, 0, "A")
        self.ring_b = _Ring(self.mm, 256 + self.ring_a.cap, "B")
        if self.ring_b.cap != self.ring_a.cap:
            raise ValueError("rings A and B have different capacities")
        # Frames with 4 + length > capacity/2 go over the socket.
        self.ring_limit = self.ring_b.cap // 2
        self.rings = False  # before HELLO every frame goes over the socket
        self.held = None  # a socket frame waiting for ring A to be drained

    def start_rings(self):
        with self.lock:
            self.rings = True

    def release(self):
        self.ring_a.release()

    def recv(self):
        ring = self.ring_a
        ring.release()
        max_frame = self.max_frame
        if self.held is not None:
            rec = ring.poll(max_frame)
            if rec is not None:
                return rec[0], rec[1:]
            held = self.held
            self.held = None
            return held
        q = ring.q
        i = ring.i
        clock = time.perf_counter
        sched_yield = getattr(os, "sched_yield", _no_yield)
        while True:
            rec = ring.poll(max_frame)
            if rec is not None:
                return rec[0], rec[1:]
            # Empty: spin a little before going to sleep.
            head = ring.head
            now = clock()
            pure = now + _PURE_SPIN_S
            deadline = now + _SPIN_S
            while q[_Q_TAIL] == head:
                now = clock()
                if now > pure:
                    if now > deadline:
                        break
                    # P may share this core: give it the CPU rather than burn our time slice.
                    sched_yield()
            if q[_Q_TAIL] != head:
                continue
            # Announce sleeping, fence, recheck (the Dekker pair with the producer's
            # "publish, fence, read sleeping").
            i[_I_SLEEPING] = 1
            _fence()
            if q[_Q_TAIL] != head:
                i[_I_SLEEPING] = 0
                continue
            try:
                ftype, payload = self.reader.read()
            finally:
                i[_I_SLEEPING] = 0
            if ftype == T_DOORBELL:
                continue  # look at the ring (doorbells may be spurious)
            # A frame sent over the socket: every frame published before it comes first.
            rec = ring.poll(max_frame)
            if rec is not None:
                self.held = (ftype, payload)
                return rec[0], rec[1:]
            return ftype, payload

    def send(self, parts, total):
        with self.lock:
            if self.rings and total <= self.ring_limit:
                if self.ring_b.publish(parts, total):
                    self.sock.sendall(_DOORBELL_FRAME)
            else:
                # Every earlier frame is already published (publishing is synchronous and
                # done under this lock), so order is kept.
                self._send_socket(parts, total)


# --------------------------------------------------------------------------------------------
# The handler API (compatible with Nuclio's Python SDK)
# --------------------------------------------------------------------------------------------


class Response:
    """What a handler may return; same constructor as Nuclio's nuclio_sdk.Response."""

    def __init__(self, headers=None, body=None, content_type=None, status_code=200, event_id=None):
        self.headers = headers if headers is not None else {}
        self.body = body
        self.content_type = content_type
        self.status_code = status_code
        self.event_id = event_id

    def __repr__(self):
        return "Response(status_code=%r, content_type=%r, headers=%r, body=%r)" % (
            self.status_code, self.content_type, self.headers, self.body)


class TriggerInfo:
    __slots__ = ("kind", "name", "klass")

    def __init__(self, kind=None, name=None, klass=None):
        self.kind = kind
        self.name = name
        self.klass = klass

    def __repr__(self):
        return "TriggerInfo(kind=%r, name=%r, klass=%r)" % (self.kind, self.name, self.klass)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Event:
    """One event. The body is bytes; everything else comes from the EVENT meta, which is decoded
    only when the handler first reads a field other than the body (an echo never pays for it)."""

    __slots__ = ("body", "_raw", "_md", "_seq")

    def __init__(self, body, meta, seq=0):
        self.body = body
        if isinstance(meta, dict):
            self._raw, self._md = None, meta
        else:
            self._raw, self._md = meta, None  # raw meta bytes, decoded on first use
        self._seq = seq

    @property
    def _m(self):
        m = self._md
        if m is None:
            raw = self._raw
            m = self._md = _decode_meta(raw) if raw is not None and len(raw) > 2 else {}
            self._raw = None
        return m

    def _map(self, key):
        v = self._m.get(key)
        if v is None:
            v = self._m[key] = {}
        return v

    headers = property(lambda self: self._map("headers"))
    fields = property(lambda self: self._map("fields"))
    id = property(lambda self: self._m.get("id"))
    method = property(lambda self: self._m.get("method"))
    path = property(lambda self: self._m.get("path"))
    url = property(lambda self: self._m.get("url"))
    content_type = property(lambda self: self._m.get("contentType"))
    shard_id = property(lambda self: self._m.get("shardId") or 0)
    num_shards = property(lambda self: self._m.get("totalShards") or 0)
    offset = property(lambda self: self._m.get("offset") or 0)
    topic = property(lambda self: self._m.get("topic"))
    type = property(lambda self: self._m.get("type"))
    type_version = property(lambda self: self._m.get("typeVersion"))
    version = property(lambda self: self._m.get("version"))
    source = property(lambda self: self._m.get("source"))
    size = property(lambda self: len(self.body))
    seq = property(lambda self: self._seq)

    @property
    def trigger(self):
        m = self._m
        return TriggerInfo(m.get("triggerKind"), m.get("triggerName"), m.get("triggerClass"))

    @property
    def timestamp(self):
        ms = self._m.get("timestamp")
        if ms is None:
            return None
        return _EPOCH + datetime.timedelta(milliseconds=ms)

    def get_header(self, name):
        """A header by name, case-insensitively (None if absent)."""
        headers = self.headers
        v = headers.get(name)
        if v is not None:
            return v
        lname = name.lower()
        for k, v in headers.items():
            if k.lower() == lname:
                return v
        return None

    def __repr__(self):
        return "Event(seq=%d, meta=%r, body=%r)" % (self._seq, self._m, self.body[:64])


class JsonBodyEvent(Event):
    """An event whose JSON body reads as the decoded value, as Nuclio's Python SDK gives it: with
    NUCLEON_DECODE_JSON_BODY=1 (runtimeAttributes.decodeJsonBody), a body whose content type is
    application/json is decoded on first read; any other body (or one that is not valid JSON)
    stays bytes."""

    __slots__ = ("_body", "_decoded")

    def __init__(self, body, meta, seq=0):
        self._decoded = False
        Event.__init__(self, body, meta, seq)

    @property
    def body(self):
        if not self._decoded:
            self._decoded = True
            ct = self.content_type
            if ct and ct.split(";", 1)[0].strip().lower() == "application/json" and self._body:
                try:
                    self._body = json.loads(self._body)
                except ValueError:
                    pass  # not JSON after all: the bytes, as sent
        return self._body

    @body.setter
    def body(self, value):
        self._body = value


def _json_default(value):
    return str(value)


def _dumps_lenient(obj):
    """JSON for logs: whatever JSON cannot encode becomes str."""
    try:
        return json.dumps(obj, default=_json_default, allow_nan=False)
    except (TypeError, ValueError):  # non-str keys, NaN, circular references...
        pass
    fields = obj.get("with")
    if isinstance(fields, dict):
        safe = {}
        for k, v in fields.items():
            try:
                json.dumps(v, default=_json_default, allow_nan=False)
            except (TypeError, ValueError):
                v = str(v)
            safe[str(k)] = v
        obj = dict(obj, **{"with": safe})
    return json.dumps(obj, default=_json_default, allow_nan=False)


class Logger:
    """context.logger: sends LOG frames. Messages are formatted with % args like the logging
    module; the *_with variants attach keyword fields."""

    def __init__(self, wrapper):
        self._w = wrapper

    def _log(self, level, message, args, fields):
        if args:
            try:
                message = message % args
            except Exception:
                message = " ".join([str(message)] + [str(a) for a in args])
        elif not isinstance(message, str):
            message = str(message)
        obj = {"level": level, "message": message}
        if fields:
            obj["with"] = fields
        self._w.send_json(T_LOG, obj, lenient=True)

    def debug(self, message, *args):
        self._log("debug", message, args, None)

    def info(self, message, *args):
        self._log("info", message, args, None)

    def warn(self, message, *args):
        self._log("warn", message, args, None)

    warning = warn

    def error(self, message, *args):
        self._log("error", message, args, None)

    def debug_with(self, message, *args, **fields):
        self._log("debug", message, args, fields)

    def info_with(self, message, *args, **fields):
        self._log("info", message, args, fields)

    def warn_with(self, message, *args, **fields):
        self._log("warn", message, args, fields)

    warning_with = warn_with

    def error_with(self, message, *args, **fields):
        self._log("error", message, args, fields)

    def exception(self, message, *args):
        """error() with the traceback of the exception being handled as a field."""
        self._log("error", message, args, {"traceback": traceback.format_exc()})


class Platform:
    """context.platform: Nuclio's function-to-function calls are not supported."""

    def __init__(self, kind="nucleon"):
        self.kind = kind

    def call_function(self, *args, **kwargs):
        raise NotImplementedError("platform.call_function is not supported by Nucleon")


class Context:
    """The handler's context, as in Nuclio's SDK."""

    Response = Response
    BindingError = BindingError

    def __init__(self, wrapper, worker_id, function_name, trigger):
        self.logger = Logger(wrapper)
        self.user_data = types.SimpleNamespace()
        self.worker_id = worker_id
        self.function_name = function_name
        self.trigger = trigger
        self.trigger_name = trigger.name  # Nuclio has it too, for backwards compatibility
        self.platform = Platform()
        self._w = wrapper
        # name -> client, as Nuclio's context.DataBinding (NUCLEON_DATA_BINDINGS: {"name": "kind"})
        self.data_binding = wrapper.data_bindings() if wrapper is not None else {}

    def metric(self, name, value=1):
        """Adds `value` to the counter `name` (a METRIC frame)."""
        obj = {"name": str(name)}
        if value != 1:
            obj["value"] = value
        self._w.send_json(T_METRIC, obj)


# --------------------------------------------------------------------------------------------
# Data bindings (docs/protocol.md, section "Binding calls")
# --------------------------------------------------------------------------------------------


def _payload_bytes(body):
    """The bytes a binding call carries for a body value."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return body
    if isinstance(body, memoryview):
        return body.tobytes()
    if isinstance(body, (dict, list)):
        return json.dumps(body, allow_nan=False).encode()
    raise BindingError("badArguments", "a binding call's body must be bytes, str, dict or list, not %s"
                       % type(body).__name__)


class DataBinding:
    """One of context.data_binding's clients: calls the processor's data binding of that name.

    call(operation, body=None, **args) runs any operation and returns (result, body bytes); the
    subclasses add the operations of their kind. A call blocks the handler until the processor
    answers; it may be made only while the handler handles an event, from the handler's thread."""

    def __init__(self, wrapper, name, kind):
        self._w = wrapper
        self.name = name
        self.kind = kind

    def call(self, operation, body=None, **args):
        return self._w.binding_call(self.name, operation, {k: v for k, v in args.items() if v is not None},
                                    _payload_bytes(body))

    def __repr__(self):
        return "%s(name=%r, kind=%r)" % (type(self).__name__, self.name, self.kind)


class KafkaBinding(DataBinding):
    def send(self, value, topic=None, key=None, headers=None, partition=None):
        """Sends one record (value: bytes, str, dict or list) and waits for the broker's
        acknowledgement; returns {"topic", "partition", "offset", "timestamp"}."""
        return self.call("send", value, topic=topic, key=key, headers=headers, partition=partition)[0]


class PublishBinding(DataBinding):
    """rabbitmq (exchange, routingKey, headers), mqtt (topic, qos, retain, contentType,
    userProperties) and nats (subject, headers, jetStream, messageId) bindings."""

    def publish(self, body, **args):
        """Publishes `body` and waits until the broker took it; returns what it says (may be {})."""
        return self.call("publish", body, **args)[0]


class HttpBinding(DataBinding):
    def request(self, method="GET", path="", body=None, headers=None):
        """Sends a request; returns {"status", "headers", "body"} (body: bytes) whatever the status."""
        result, data = self.call("request", body, method=method, path=path, headers=headers)
        result = dict(result or {})
        result["body"] = data
        return result


_BINDING_CLASSES = {"kafka": KafkaBinding, "rabbitmq": PublishBinding, "mqtt": PublishBinding,
                    "nats": PublishBinding, "http": HttpBinding}


# --------------------------------------------------------------------------------------------
# The wrapper
# --------------------------------------------------------------------------------------------


class Wrapper:
    def __init__(self, env):
        self.env = env
        self.max_frame = int(env.get("NUCLEON_MAX_FRAME") or DEFAULT_MAX_FRAME)
        self.event_class = JsonBodyEvent if env.get("NUCLEON_DECODE_JSON_BODY") == "1" else Event
        self.chan = None
        self.in_event = False  # binding calls are served by P only while an event is in flight
        self.call_id = 0
        # Frames that came while a binding call waited for its result: the events P sent ahead
        # (docs/protocol.md section 4), served in order after the one in hand.
        self.queued = collections.deque()
        self.main_thread = threading.get_ident()
        self._loop = None

    @property
    def loop(self):
        """The one event loop for the wrapper's life, made when an async init_context or handler first needs
        it: importing asyncio costs tens of milliseconds of start-up that a plain handler never uses."""
        if self._loop is None:
            import asyncio
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
        return self._loop

    # -- sending ----------------------------------------------------------------------------

    def send_frame(self, ftype, payload):
        length = 1 + len(payload)
        self.chan.send([_FRAME_HDR.pack(length, ftype), payload], 4 + length)

    def send_json(self, ftype, obj, lenient=False):
        data = (_dumps_lenient(obj) if lenient else json.dumps(obj, allow_nan=False)).encode()
        if len(data) + 1 > self.max_frame and ftype == T_LOG:
            # Cut an oversized log line (rather than break the protocol).
            keep = max(0, self.max_frame // 16)
            obj = {"level": obj.get("level"), "message": obj.get("message", "")[:keep] + "...",
                   "with": {"truncated": True}}
            data = json.dumps(obj).encode()
        self.send_frame(ftype, data)

    def send_error(self, seq, message, etype=None, tb=None):
        obj = {"message": message}
        if etype:
            obj["type"] = etype
        if tb:
            obj["traceback"] = tb
        data = json.dumps(obj, default=_json_default).encode()
        if len(data) + 9 > self.max_frame:
            limit = self.max_frame // 16
            obj = {"message": message[:limit], "type": etype, "traceback": (tb or "")[-limit:]}
            data = json.dumps(obj).encode()
        length = 9 + len(data)
        self.chan.send([_SEQ_HDR.pack(length, T_ERROR, seq), data], 4 + length)

    def send_exception(self, seq, exc):
        etype = type(exc)
        name = etype.__qualname__
        if etype.__module__ not in ("builtins", "__main__"):
            name = etype.__module__ + "." + name
        message = str(exc) or name
        tb = "".join(traceback.format_exception(etype, exc, exc.__traceback__))
        self.send_error(seq, message, name, tb)

    # -- data bindings ----------------------------------------------------------------------

    def data_bindings(self):
        """context.data_binding: a client per binding of NUCLEON_DATA_BINDINGS."""
        raw = self.env.get("NUCLEON_DATA_BINDINGS") or "{}"
        try:
            kinds = json.loads(raw)
            if not isinstance(kinds, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            raise ProtocolError("NUCLEON_DATA_BINDINGS is not a JSON object of name to kind: %s" % e)
        return {name: _BINDING_CLASSES.get(kind, DataBinding)(self, name, kind) for name, kind in kinds.items()}

    def binding_call(self, binding, operation, args, body):
        """Sends BINDING_CALL and reads frames until its BINDING_RESULT; returns (result, body)."""
        if not self.in_event:
            raise BindingError("notInEvent", "data binding '%s' was called outside an event: bindings can be "
                               "called only while the handler handles an event (not in init_context)" % binding)
        if threading.get_ident() != self.main_thread:
            raise BindingError("notInEvent", "data binding '%s' was called from another thread: bindings can "
                               "be called only from the handler's own thread" % binding)
        try:
            meta = json.dumps({"binding": binding, "operation": operation, "args": args}, allow_nan=False).encode()
        except (TypeError, ValueError) as e:
            raise BindingError("badArguments", "the arguments of '%s' of binding '%s' cannot be sent as JSON: %s"
                               % (operation, binding, e))
        length = 13 + len(meta) + len(body)
        if length > self.max_frame:
            raise BindingError("badArguments", "the call of '%s' of binding '%s' would be a %d-byte frame, more "
                               "than NUCLEON_MAX_FRAME (%d)" % (operation, binding, length, self.max_frame))
        self.call_id += 1
        call_id = self.call_id
        chan = self.chan
        chan.send([_RESP_HDR.pack(length, T_BINDING_CALL, call_id, len(meta)), meta, body], 4 + length)
        while True:
            ftype, payload = chan.recv()
            if ftype == T_BINDING_RESULT:
                got, ml = _EVENT_HDR.unpack_from(payload, 0)
                if 12 + ml > len(payload):
                    raise ProtocolError("BINDING_RESULT metaLength %d exceeds the frame" % ml)
                rmeta = bytes(payload[12:12 + ml])
                rbody = bytes(payload[12 + ml:])
                chan.release()
                if got != call_id:
                    raise ProtocolError("BINDING_RESULT for call %d while call %d is waiting" % (got, call_id))
                break
            if ftype in _QUEUEABLE:
                self.queued.append((ftype, bytes(payload)))  # copied: the ring's record is released now
                chan.release()
                continue
            chan.release()
            if ftype == T_DOORBELL or 0x40 <= ftype <= 0x7F:
                continue
            raise ProtocolError("received frame type 0x%02x while waiting for a BINDING_RESULT" % ftype)
        try:
            r = json.loads(rmeta)
        except ValueError as e:
            raise ProtocolError("the BINDING_RESULT meta is not valid JSON: %s" % e)
        if type(r) is not dict:
            raise ProtocolError("the BINDING_RESULT meta is not a JSON object")
        if r.get("ok"):
            return r.get("result"), rbody
        raise BindingError(str(r.get("error") or "failed"), str(r.get("message") or "the binding call failed"))

    # -- start-up ---------------------------------------------------------------------------

    def connect(self):
        env = self.env
        path = env.get("NUCLEON_SOCKET")
        if not path:
            _die(1, "NUCLEON_SOCKET is not set")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as e:
            _die(1, "cannot connect to NUCLEON_SOCKET %s: %s" % (path, e))
        transport = env.get("NUCLEON_TRANSPORT", "uds")
        self.chan = UdsChannel(sock, self.max_frame)
        proto = env.get("NUCLEON_PROTOCOL", str(PROTOCOL))
        if proto.split(".")[0] != str(PROTOCOL):
            self.init_failed("the processor speaks protocol %s, this wrapper speaks %d"
                             % (proto, PROTOCOL))
        if transport == "shm":
            try:
                self.chan = ShmChannel(sock, self.max_frame, env.get("NUCLEON_SHM_FILE", ""))
            except Exception as e:
                self.init_failed("cannot map NUCLEON_SHM_FILE %r: %s" % (env.get("NUCLEON_SHM_FILE"), e))
        elif transport != "uds":
            self.init_failed("unknown NUCLEON_TRANSPORT %r" % transport)

    def init_failed(self, message, tb=None):
        obj = {"message": message}
        if tb:
            obj["traceback"] = tb
        try:
            self.send_json(T_INIT_FAILED, obj)
        except OSError:
            pass
        _die(1, message + ("\n" + tb if tb else ""))

    def load(self):
        env = self.env
        code_dir = env.get("NUCLEON_CODE_DIR") or os.getcwd()
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
        spec = env.get("NUCLEON_HANDLER", "")
        module_name, _, func_name = spec.partition(":")
        if not module_name or not func_name:
            self.init_failed("NUCLEON_HANDLER must be module:function, got %r" % spec)
        trigger = TriggerInfo(env.get("NUCLEON_TRIGGER_KIND"), env.get("NUCLEON_TRIGGER_NAME"))
        try:
            worker_id = int(env.get("NUCLEON_WORKER_ID") or 0)
        except ValueError:
            worker_id = 0
        self.context = Context(self, worker_id, env.get("NUCLEON_FUNCTION_NAME"), trigger)
        step = "loading handler %s" % spec
        try:
            module = importlib.import_module(module_name)
            handler = getattr(module, func_name, None)
            if not callable(handler):
                raise AttributeError("module %r has no function %r" % (module_name, func_name))
            init = getattr(module, "init_context", None)
            if init is not None:
                step = "init_context of %s" % module_name
                r = init(self.context)
                if inspect.isawaitable(r):
                    self.loop.run_until_complete(r)
        except BaseException as e:  # also SystemExit from a module that calls sys.exit()
            self.init_failed("%s failed: %s: %s" % (step, type(e).__name__, e),
                             "".join(traceback.format_exception(type(e), e, e.__traceback__)))
        self.handler = handler
        self.is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            getattr(handler, "__call__", None))

    def hello(self):
        self.send_json(T_HELLO, {
            "protocol": PROTOCOL,
            "wrapper": "nucleon-python",
            "wrapperVersion": WRAPPER_VERSION,
            "language": "python",
            "languageVersion": _platform.python_version(),
            "pid": os.getpid(),
        })
        self.chan.start_rings()

    # -- responses --------------------------------------------------------------------------

    def _encode_body(self, body):
        """(content type, body bytes-like) for a body value; raises TypeError if unsupported."""
        if isinstance(body, str):
            return _CT_TEXT, body.encode("utf-8")
        if isinstance(body, (bytes, bytearray)):
            return _CT_OCTET, body
        if isinstance(body, memoryview):
            return _CT_OCTET, body.cast("B") if body.c_contiguous else body.tobytes()
        if isinstance(body, (dict, list)):
            return _CT_JSON, json.dumps(body, allow_nan=False).encode()
        if body is None:
            return None, b""
        raise TypeError("cannot encode a response body of type %s" % type(body).__name__)

    def _response_parts(self, seq, r):
        """RESPONSE frame parts for a handler result."""
        t = type(r)
        # Fast paths: precomputed metas.
        if t is str:
            meta, body = _META_TEXT, r.encode("utf-8")
        elif t is bytes or t is bytearray:
            meta, body = _META_OCTET, r
        elif t is dict or t is list:
            meta, body = _META_JSON, json.dumps(r, allow_nan=False).encode()
        elif r is None:
            meta, body = _META_EMPTY, b""
        else:
            status = 200
            headers = None
            content_type = None
            if isinstance(r, Response):
                status = r.status_code
                headers = r.headers
                content_type = r.content_type
                r = r.body
            elif isinstance(r, tuple) and len(r) == 2:
                status, r = r
                if isinstance(r, Response):  # (status, Response): the tuple's status wins
                    headers, content_type, r = r.headers, r.content_type, r.body
            inferred, body = self._encode_body(r)
            m = {}
            try:
                status = int(status)
            except (TypeError, ValueError):
                raise TypeError("the status code %r is not an integer" % (status,))
            if status != 200:
                m["status"] = status
            content_type = content_type or inferred
            if content_type:
                m["contentType"] = str(content_type)
            if headers:
                m["headers"] = {str(k): str(v) for k, v in headers.items()}
            meta = json.dumps(m).encode()
        ml = len(meta)
        length = 13 + ml + len(body)
        if length > self.max_frame:
            raise _TooLarge(length)
        return [_RESP_HDR.pack(length, T_RESPONSE, seq, ml), meta, body], 4 + length

    # -- the event loop ---------------------------------------------------------------------

    def serve(self):
        chan = self.chan
        recv = chan.recv
        release = chan.release
        send = chan.send
        handler = self.handler
        context = self.context
        is_async = self.is_async
        event_class = self.event_class
        # asyncio only when needed: a plain handler that returns an awaitable makes the loop then
        run = self.loop.run_until_complete if is_async else lambda r: self.loop.run_until_complete(r)  # noqa: E731
        unpack_event = _EVENT_HDR.unpack_from
        isawaitable = inspect.isawaitable
        queued = self.queued
        while True:
            ftype, payload = queued.popleft() if queued else recv()
            if ftype == T_EVENT:
                seq, ml = unpack_event(payload, 0)
                if 12 + ml > len(payload):
                    raise ProtocolError("EVENT metaLength %d exceeds the frame" % ml)
                meta = bytes(payload[12:12 + ml]) if ml > 2 else None
                body = bytes(payload[12 + ml:])
                release()
                self.in_event = True
                try:
                    r = handler(context, event_class(body, meta, seq))
                    if is_async or (r is not None and type(r) not in _PLAIN and isawaitable(r)):
                        r = run(r)
                except (ProtocolError, ChannelClosed):
                    raise  # a malformed meta or binding result, found in the handler: not the handler's fault
                except Exception as e:
                    self.in_event = False
                    self.send_exception(seq, e)
                    continue
                self.in_event = False
                try:
                    parts, total = self._response_parts(seq, r)
                except _TooLarge as e:
                    self.send_error(seq, "the response frame would be %d bytes, more than "
                                    "NUCLEON_MAX_FRAME (%d)" % (e.args[0], self.max_frame),
                                    "ResponseTooLarge")
                    continue
                except Exception as e:
                    e2 = TypeError("cannot encode the handler's return value: %s" % e)
                    e2.__traceback__ = e.__traceback__
                    self.send_exception(seq, e2)
                    continue
                send(parts, total)
            elif ftype == T_EVENT_BATCH:
                self.serve_batch(payload)
            elif ftype == T_STOP:
                _stop()
            elif ftype == T_DOORBELL or 0x40 <= ftype <= 0x7F:
                release()  # a stray doorbell, or an ignorable frame type
            else:
                raise ProtocolError("received an unknown frame type 0x%02x" % ftype)


    def serve_batch(self, payload):
        """EVENT_BATCH: the handler gets a list of events and returns a list of responses, each
        tagged with the event_id of its event (Nuclio's batch API); RESPONSE_BATCH has one item per
        event, in the batch's order. A missing or unencodable response fails only its event."""
        seq, count = _EVENT_HDR.unpack_from(payload, 0)
        pos = 12
        end = len(payload)
        events = []
        for i in range(count):
            if pos + 8 > end:
                raise ProtocolError("EVENT_BATCH item %d runs past the frame" % i)
            ml, bl = _BATCH_ITEM.unpack_from(payload, pos)
            pos += 8
            if pos + ml + bl > end:
                raise ProtocolError("EVENT_BATCH item %d of %d bytes runs past the frame" % (i, ml + bl))
            meta = bytes(payload[pos:pos + ml]) if ml > 2 else None
            pos += ml
            events.append(self.event_class(bytes(payload[pos:pos + bl]), meta, seq))
            pos += bl
        self.chan.release()
        self.in_event = True
        try:
            r = self.handler(self.context, events)
            if self.is_async or (r is not None and type(r) not in _PLAIN and inspect.isawaitable(r)):
                r = self.loop.run_until_complete(r)
        except (ProtocolError, ChannelClosed):
            raise
        except Exception as e:
            self.in_event = False
            self.send_exception(seq, e)  # the handler failed: every event of the batch fails
            return
        self.in_event = False
        outcomes = self._match_batch(events, r)
        items = []
        total = 13
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                meta, body = json.dumps({"error": {"message": str(outcome), "type": type(outcome).__name__}},
                                        default=_json_default).encode(), b""
            else:
                try:
                    parts, _ = self._response_parts(seq, outcome)
                    meta, body = parts[1], parts[2]
                except Exception as e:
                    meta, body = json.dumps({"error": {"message": "cannot encode the response: %s" % e,
                                                       "type": type(e).__name__}}).encode(), b""
            items.append(_BATCH_ITEM.pack(len(meta), len(body)))
            items.append(meta)
            items.append(body)
            total += 8 + len(meta) + len(body)
        if total > self.max_frame:
            self.send_error(seq, "the batch's responses would be a %d-byte frame, more than NUCLEON_MAX_FRAME "
                            "(%d)" % (total, self.max_frame), "ResponseTooLarge")
            return
        self.chan.send([_RESP_HDR.pack(total, T_RESPONSE_BATCH, seq, count)] + items, 4 + total)

    @staticmethod
    def _match_batch(events, r):
        """One outcome per event: its response, or an exception saying why it has none."""
        if not isinstance(r, (list, tuple)):
            e = TypeError("a batch handler returns a list of responses, not %s" % type(r).__name__)
            return [e] * len(events)
        by_id = {}
        untagged = []
        for item in r:
            eid = getattr(item, "event_id", None) if isinstance(item, Response) else None
            if eid is None:
                untagged.append(item)
            else:
                by_id[str(eid)] = item
        if untagged and not by_id and len(untagged) == len(events):
            return list(untagged)  # no event_id anywhere: by position
        out = []
        for ev in events:
            item = by_id.get(str(ev.id), _MISSING)
            out.append(item if item is not _MISSING else LookupError(
                "the batch handler returned no response with event_id %r" % ev.id))
        return out


_MISSING = object()


class _TooLarge(Exception):
    pass


_scan_once = json.JSONDecoder().scan_once


def _decode_meta(data):
    """Decodes an EVENT meta (a JSON object). The C scanner alone is about twice as fast as
    json.loads, which adds encoding detection and two whitespace regex matches; json.loads is
    the fallback for input the scanner does not take (such as leading whitespace)."""
    try:
        s = str(data, "utf-8")
        try:
            obj = _scan_once(s, 0)[0]
        except (StopIteration, ValueError):
            obj = json.loads(s)
    except ValueError as e:  # also UnicodeDecodeError
        raise ProtocolError("the EVENT meta is not valid JSON: %s" % e)
    if type(obj) is not dict:
        raise ProtocolError("the EVENT meta is not a JSON object")
    return obj


_PLAIN = frozenset((str, bytes, bytearray, dict, list, tuple, Response))


def main():
    # P reads our output line by line: do not keep lines in a block buffer.
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except Exception:
        pass
    # Handlers may `from nucleon_wrapper import BindingError`: that is this module, not a second copy.
    sys.modules.setdefault("nucleon_wrapper", sys.modules[__name__])
    w = Wrapper(os.environ)
    w.connect()
    w.load()
    try:
        w.hello()
        w.serve()
    except ProtocolError as e:
        _die(2, "protocol error: %s" % e)
    except ChannelClosed:
        _die(1, "the processor closed the connection")
    except (BrokenPipeError, ConnectionResetError) as e:
        _die(1, "the connection to the processor failed: %s" % e)


if __name__ == "__main__":
    main()
