"""Tests of nucleon_wrapper.py against a miniature processor ("mini-P") written here.

The mini-P is an independent implementation of the P side of docs/protocol.md: it listens on a
Unix socket in a private temp dir, creates and initialises the shared-memory file for `shm`,
starts the real wrapper as a subprocess and speaks the protocol to it.

Run: cd wrappers/python && python3 -m unittest -v test_wrapper
Benchmark (not a test): python3 test_wrapper.py bench
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.join(HERE, "nucleon_wrapper.py")

HELLO, INIT_FAILED, STOP, DOORBELL = 0x01, 0x02, 0x03, 0x04
EVENT, RESPONSE, ERROR, LOG, METRIC = 0x10, 0x11, 0x12, 0x20, 0x21
BINDING_RESULT, BINDING_CALL = 0x13, 0x22
EVENT_BATCH, RESPONSE_BATCH = 0x14, 0x15

MAGIC = 0x5243554E
PAD = 0xFFFFFFFF
HEAD, TAIL, SLEEPING = 64, 128, 192  # byte offsets in a ring header


def _fence(_lock=threading.Lock()):
    _lock.acquire()
    _lock.release()


class Ring:
    """P's view of one ring (an independent implementation of section 5)."""

    def __init__(self, mm, base, cap):
        hdr = memoryview(mm)[base:base + 256]
        self.q = hdr.cast("Q")
        self.i = hdr.cast("I")
        self.mm = mm
        self.data_off = base + 256
        self.cap = cap
        self.pads = 0  # pad markers written (producer) or skipped (consumer)

    # producer (P -> W, ring A)
    def publish(self, frame):
        cap = self.cap
        need = (len(frame) + 7) & ~7
        tail = self.q[TAIL // 8]
        at = tail % cap
        pad = cap - at if at + need > cap else 0
        deadline = time.monotonic() + 10
        while cap - (tail - self.q[HEAD // 8]) < pad + need:
            if time.monotonic() > deadline:
                raise AssertionError("ring A stays full")
            time.sleep(0.0001)
        if pad:
            struct.pack_into("<I", self.mm, self.data_off + at, PAD)
            tail += pad
            at = 0
            self.pads += 1
        self.mm[self.data_off + at:self.data_off + at + len(frame)] = frame
        self.q[TAIL // 8] = tail + need
        _fence()
        return self.i[SLEEPING // 4] == 1

    # consumer (W -> P, ring B)
    def poll(self):
        cap = self.cap
        while True:
            head = self.q[HEAD // 8]
            if self.q[TAIL // 8] == head:
                return None
            at = head % cap
            (length,) = struct.unpack_from("<I", self.mm, self.data_off + at)
            if length == PAD:
                self.pads += 1
                self.q[HEAD // 8] = head + cap - at
                continue
            assert 1 <= length and 4 + length <= cap // 2, "bad record length %d" % length
            start = self.data_off + at + 4
            frame = (self.mm[start], bytes(self.mm[start + 1:start + length]))
            self.q[HEAD // 8] = head + ((4 + length + 7) & ~7)
            return frame


class MiniP:
    def __init__(self, code, handler="main:handler", transport="uds", capacity=1 << 20,
                 max_frame=None, env=None, start=True):
        self.tmp = tempfile.mkdtemp(prefix="nucleon-test-")
        os.chmod(self.tmp, 0o700)
        self.code_dir = os.path.join(self.tmp, "code")
        os.mkdir(self.code_dir)
        for name, text in code.items():
            with open(os.path.join(self.code_dir, name), "w") as f:
                f.write(textwrap.dedent(text))
        self.sock_path = os.path.join(self.tmp, "w.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.sock_path)
        self.listener.listen(1)
        self.transport = transport
        self.max_frame = max_frame or 64 * 1024 * 1024
        self.seq = 0
        self.logs = []
        self.metrics = []
        self.socket_frames_in = 0  # non-doorbell frames W sent over the socket after HELLO
        self.doorbells_in = 0
        self.doorbells_out = 0
        self.held = None
        self.sock = None
        self.proc = None
        # BINDING_CALL: (call id, meta, body) -> (result meta dict, body); recorded in binding_calls
        self.on_binding = None
        self.binding_calls = []
        env_vars = dict(os.environ)
        env_vars.update({
            "NUCLEON_PROTOCOL": "1",
            "NUCLEON_SOCKET": self.sock_path,
            "NUCLEON_TRANSPORT": transport,
            "NUCLEON_HANDLER": handler,
            "NUCLEON_CODE_DIR": self.code_dir,
            "NUCLEON_WORKER_ID": "3",
            "NUCLEON_FUNCTION_NAME": "fn-test",
            "NUCLEON_TRIGGER_KIND": "http",
            "NUCLEON_TRIGGER_NAME": "web",
            "NUCLEON_MAX_FRAME": str(self.max_frame),
        })
        if transport == "shm":
            shm_dir = "/dev/shm" if os.path.isdir("/dev/shm") else self.tmp
            fd, self.shm_path = tempfile.mkstemp(prefix="nucleon-test-", dir=shm_dir)
            os.fchmod(fd, 0o600)
            size = 2 * (256 + capacity)
            os.ftruncate(fd, size)
            import mmap
            self.mm = mmap.mmap(fd, size)
            os.close(fd)
            for base in (0, 256 + capacity):
                struct.pack_into("<IIQ", self.mm, base, MAGIC, 1, capacity)
            self.ring_a = Ring(self.mm, 0, capacity)
            self.ring_b = Ring(self.mm, 256 + capacity, capacity)
            env_vars["NUCLEON_SHM_FILE"] = self.shm_path
        env_vars.update(env or {})
        self.env = env_vars
        self.stderr_lines = []
        self.stdout_lines = []
        if start:
            self.start()

    def start(self, python=None):
        self.proc = subprocess.Popen([python or sys.executable, WRAPPER], cwd=self.code_dir,
                                     env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.drains = []
        for stream, lines in ((self.proc.stdout, self.stdout_lines),
                              (self.proc.stderr, self.stderr_lines)):
            t = threading.Thread(target=self._drain, args=(stream, lines), daemon=True)
            t.start()
            self.drains.append(t)
        self.listener.settimeout(20)
        self.sock, _ = self.listener.accept()
        self.sock.settimeout(20)

    @staticmethod
    def _drain(stream, lines):
        for line in stream:
            lines.append(line.decode("utf-8", "replace").rstrip("\n"))

    def stderr(self):
        return "\n".join(self.stderr_lines)

    # -- socket I/O --

    def _recv_exact(self, n):
        buf = bytearray(n)
        mv = memoryview(buf)
        got = 0
        while got < n:
            r = self.sock.recv_into(mv[got:])
            if r == 0:
                raise EOFError("W closed the socket")
            got += r
        return buf

    def read_socket_frame(self):
        (length,) = struct.unpack("<I", self._recv_exact(4))
        assert 1 <= length <= self.max_frame, "W sent a frame length of %d" % length
        data = self._recv_exact(length)
        return data[0], bytes(data[1:])

    @staticmethod
    def frame(ftype, payload=b""):
        return struct.pack("<IB", 1 + len(payload), ftype) + payload

    # -- handshake --

    def handshake(self):
        """Reads frames until HELLO or INIT_FAILED; returns (type, decoded JSON)."""
        while True:
            ftype, payload = self.read_socket_frame()
            if ftype == LOG:
                self.logs.append(json.loads(payload))
                continue
            assert ftype in (HELLO, INIT_FAILED), "unexpected frame 0x%02x" % ftype
            return ftype, json.loads(payload)

    # -- frames after HELLO --

    def send(self, frame_bytes):
        if self.transport == "shm" and len(frame_bytes) <= self.ring_a.cap // 2:
            if self.ring_a.publish(frame_bytes):
                self.doorbells_out += 1
                self.sock.sendall(self.frame(DOORBELL))
        else:
            self.sock.sendall(frame_bytes)

    def recv(self):
        """The next frame from W (LOG/METRIC included)."""
        if self.transport != "shm":
            ftype, payload = self.read_socket_frame()
            assert ftype != DOORBELL, "doorbell with uds"
            self.socket_frames_in += 1
            return ftype, payload
        if self.held is not None:
            f = self.ring_b.poll()
            if f is not None:
                return f
            f, self.held = self.held, None
            return f
        ring = self.ring_b
        while True:
            f = ring.poll()
            if f is not None:
                return f
            t_end = time.perf_counter() + 20e-6
            while time.perf_counter() < t_end and ring.q[TAIL // 8] == ring.q[HEAD // 8]:
                pass
            if ring.q[TAIL // 8] != ring.q[HEAD // 8]:
                continue
            ring.i[SLEEPING // 4] = 1
            _fence()
            if ring.q[TAIL // 8] != ring.q[HEAD // 8]:
                ring.i[SLEEPING // 4] = 0
                continue
            try:
                ftype, payload = self.read_socket_frame()
            finally:
                ring.i[SLEEPING // 4] = 0
            if ftype == DOORBELL:
                self.doorbells_in += 1
                continue
            self.socket_frames_in += 1
            f = ring.poll()
            if f is not None:
                self.held = (ftype, payload)
                return f
            return ftype, payload

    def event(self, body=b"", meta=None):
        self.seq += 1
        m = meta if isinstance(meta, bytes) else json.dumps(meta or {}).encode()
        self.send(self.frame(EVENT, struct.pack("<QI", self.seq, len(m)) + m + body))
        return self.seq

    def call(self, body=b"", meta=None):
        """Sends an event; returns ("response", meta, body) or ("error", obj)."""
        seq = self.event(body, meta)
        while True:
            ftype, payload = self.recv()
            if ftype == LOG:
                self.logs.append(json.loads(payload))
            elif ftype == METRIC:
                self.metrics.append(json.loads(payload))
            elif ftype == BINDING_CALL:
                call_id, ml = struct.unpack_from("<QI", payload)
                meta = json.loads(payload[12:12 + ml])
                body = payload[12 + ml:]
                self.binding_calls.append((meta, body))
                rmeta, rbody = self.on_binding(call_id, meta, body)
                m = json.dumps(rmeta).encode()
                self.send(self.frame(BINDING_RESULT, struct.pack("<QI", call_id, len(m)) + m + rbody))
            elif ftype == RESPONSE:
                rseq, ml = struct.unpack_from("<QI", payload)
                assert rseq == seq, "response seq %d for event %d" % (rseq, seq)
                return "response", json.loads(payload[12:12 + ml]), payload[12 + ml:]
            elif ftype == ERROR:
                (rseq,) = struct.unpack_from("<Q", payload)
                assert rseq == seq
                return "error", json.loads(payload[8:])
            else:
                raise AssertionError("unexpected frame 0x%02x" % ftype)

    def stop(self):
        self.send(self.frame(STOP))
        return self.proc.wait(10)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for s in (self.sock, self.listener):
            if s:
                s.close()
        if self.proc:
            for t in self.drains:
                t.join(5)
            self.proc.stdout.close()
            self.proc.stderr.close()
        if self.transport == "shm":
            os.unlink(self.shm_path)
        shutil.rmtree(self.tmp, ignore_errors=True)


ECHO = {"main.py": """
    def handler(context, event):
        return event.body
"""}

HANDLERS = {"main.py": r'''
    import asyncio, threading, json

    def init_context(context):
        context.logger.info_with("init", worker=context.worker_id)
        context.user_data.greeting = "hi"

    class Odd:
        def __str__(self):
            return "<odd>"

    def handler(context, event):
        p = event.path
        if p == "/str":
            return "héllo"
        if p == "/bytes":
            return b"\x00\x01"
        if p == "/bytearray":
            return bytearray(b"ba")
        if p == "/memoryview":
            return memoryview(b"mv-data")[3:]
        if p == "/dict":
            return {"a": 1}
        if p == "/list":
            return [1, "x"]
        if p == "/none":
            return None
        if p == "/tuple":
            return 201, "created"
        if p == "/tuple-dict":
            return 400, {"err": "bad"}
        if p == "/response":
            return context.Response(body="<b/>", headers={"X-A": 1}, content_type="text/html",
                                    status_code=202)
        if p == "/response-dict":
            return context.Response(body={"k": [1]}, status_code=404)
        if p == "/response-positional":
            return context.Response({"X-B": "2"}, b"raw")
        if p == "/bad-return":
            return {1, 2}
        if p == "/nan":
            return {"x": float("nan")}
        if p == "/raise":
            return 1 / 0
        if p == "/logs":
            context.logger.debug("plain %s %d", "args", 7)
            context.logger.info_with("with fields", n=1, obj=Odd(), nested={"b": b"x"})
            context.logger.warn("w")
            context.logger.warning("w2")
            context.logger.error_with("e", code=5)
            t = threading.Thread(target=context.logger.info, args=("from a thread",))
            t.start(); t.join()
            context.metric("my_counter")
            context.metric("my_counter", 5)
            return "ok"
        if p == "/big":
            return b"x" * (int(event.headers["n"]))
        if p == "/meta":
            e = event
            return {
                "path": e.path, "method": e.method, "url": e.url, "id": e.id,
                "headers": e.headers, "fields": e.fields, "ct": e.content_type,
                "ts": e.timestamp.isoformat() if e.timestamp else None,
                "trigger": [e.trigger.kind, e.trigger.name, e.trigger.klass],
                "shard": [e.shard_id, e.num_shards, e.offset], "topic": e.topic, "type": e.type,
                "hdr": e.get_header("x-lower"), "size": e.size,
                "ctx": [context.worker_id, context.function_name, context.trigger.kind,
                        context.trigger.name, context.user_data.greeting],
            }
        return "?"
'''}


BINDINGS = {"main.py": r'''
    import threading
    from nucleon_wrapper import BindingError

    def init_context(context):
        assert context.BindingError is BindingError
        try:
            if "out" in context.data_binding:
                context.data_binding["out"].send(b"too early")
        except BindingError as e:
            context.user_data.early = [e.code, str(e)]

    def handler(context, event):
        p = event.path
        db = context.data_binding
        if p == "/names":
            return {k: [type(v).__name__, v.kind] for k, v in sorted(db.items())}
        if p == "/early":
            return context.user_data.early
        if p == "/send":
            return db["out"].send(event.body, topic="t1", key="k1", headers={"h": "v"})
        if p == "/publish":
            return db["q"].publish("text body", routingKey="rk")
        if p == "/request":
            r = db["web"].request("POST", "/x", body={"a": 1}, headers={"X-A": "1"})
            return {"status": r["status"], "body": r["body"].decode()}
        if p == "/generic":
            result, body = db["other"].call("op", b"\x00\xff", n=3)
            return {"result": result, "body": list(body)}
        if p == "/twice":
            return [db["out"].send(b"1")["offset"], db["out"].send(b"2")["offset"]]
        if p == "/fail":
            try:
                db["out"].send(b"x", topic="nope")
            except BindingError as e:
                return [e.code, str(e)]
        if p == "/fail-raises":
            db["out"].send(b"x", topic="nope")
        if p == "/thread":
            out = []
            def run():
                try:
                    db["out"].send(b"x")
                except BindingError as e:
                    out.append(e.code)
            t = threading.Thread(target=run)
            t.start(); t.join()
            return out
        if p == "/bad-body":
            try:
                db["out"].send(3.5)
            except BindingError as e:
                return [e.code, str(e)]
        return "?"
'''}

BINDING_ENV = {"NUCLEON_DATA_BINDINGS": json.dumps(
    {"out": "kafka", "q": "rabbitmq", "web": "http", "other": "custom"})}


def mini_bindings(call_id, meta, body):
    """The mini-P's bindings: echoes what it got, fails topic 'nope'."""
    args = meta.get("args", {})
    if meta["binding"] == "out":
        if args.get("topic") == "nope":
            return {"ok": False, "error": "failed", "message": "topic nope does not exist"}, b""
        return {"ok": True, "result": {"topic": args.get("topic"), "offset": call_id, "value": len(body),
                                       "key": args.get("key"), "headers": args.get("headers")}}, b""
    if meta["binding"] == "web":
        return {"ok": True, "result": {"status": 201, "headers": {}}}, b"got " + body
    return {"ok": True, "result": {"op": meta["operation"], "args": args}}, bytes(reversed(body))


class WrapperTest(unittest.TestCase):
    def start(self, code, **kw):
        p = MiniP(code, **kw)
        self.addCleanup(p.close)
        return p

    def ready(self, code, **kw):
        p = self.start(code, **kw)
        ftype, hello = p.handshake()
        self.assertEqual(ftype, HELLO, "wrapper failed to start: %s\n%s" % (hello, p.stderr()))
        self.assertEqual(hello["protocol"], 1)
        return p

    # -- echo --

    def _echo(self, transport, sizes, capacity=1 << 20):
        p = self.ready(ECHO, transport=transport, capacity=capacity)
        for n in sizes:
            body = os.urandom(n)
            kind, meta, rbody = p.call(body, {"path": "/echo"})
            self.assertEqual(kind, "response")
            self.assertEqual(meta.get("contentType"), "application/octet-stream")
            self.assertEqual(meta.get("status", 200), 200)
            self.assertEqual(len(rbody), n)
            self.assertTrue(rbody == body, "body of %d bytes differs" % n)
        return p

    def test_echo_uds(self):
        p = self._echo("uds", [0, 100, 64 * 1024, 4 * 1024 * 1024])
        self.assertEqual(p.stop(), 0)

    def test_echo_shm(self):
        p = self._echo("shm", [0, 100, 64 * 1024, 4 * 1024 * 1024, 100])
        # Only the 4 MiB response exceeds capacity/2 and must come over the socket.
        self.assertEqual(p.socket_frames_in, 1)
        self.assertEqual(p.stop(), 0)

    def test_shm_ring_wraps(self):
        import random
        rnd = random.Random(7)
        cap = 64 * 1024
        # An EVENT frame is 4+1+8+4 + meta ("{}") + body = 19 + body bytes; the echo's
        # RESPONSE is 17 + 42 (meta) + body = 59 + body. A frame goes into a ring when its
        # 4 + length <= capacity/2.
        largest = cap // 2 - 59
        sizes = [rnd.randint(0, largest) for _ in range(300)] + [largest]
        p = self._echo("shm", sizes, capacity=cap)
        self.assertGreater(p.ring_a.pads, 20)
        self.assertGreater(p.ring_b.pads, 20)
        self.assertEqual(p.socket_frames_in, 0)
        # The event fits ring A, the response is one byte too large for ring B.
        n = largest + 1
        self.assertEqual(p.call(b"y" * n, {})[2], b"y" * n)
        self.assertEqual(p.socket_frames_in, 1)
        # The event is one byte too large for ring A.
        n = cap // 2 - 18
        self.assertEqual(p.call(b"z" * n, {})[2], b"z" * n)
        self.assertEqual(p.socket_frames_in, 2)
        # And back to the rings.
        self.assertEqual(p.call(b"w" * 1000, {})[2], b"w" * 1000)
        self.assertEqual(p.socket_frames_in, 2)
        self.assertEqual(p.stop(), 0)

    # -- return values, meta, logs --

    def _return_types(self, transport):
        p = self.ready(HANDLERS, transport=transport)
        cases = {
            "/str": (200, "text/plain; charset=utf-8", "héllo".encode(), None),
            "/bytes": (200, "application/octet-stream", b"\x00\x01", None),
            "/bytearray": (200, "application/octet-stream", b"ba", None),
            "/memoryview": (200, "application/octet-stream", b"data", None),
            "/dict": (200, "application/json", None, {"a": 1}),
            "/list": (200, "application/json", None, [1, "x"]),
            "/none": (200, None, b"", None),
            "/tuple": (201, "text/plain; charset=utf-8", b"created", None),
            "/tuple-dict": (400, "application/json", None, {"err": "bad"}),
            "/response": (202, "text/html", b"<b/>", None),
            "/response-dict": (404, "application/json", None, {"k": [1]}),
            "/response-positional": (200, "application/octet-stream", b"raw", None),
        }
        for path, (status, ct, body, js) in cases.items():
            kind, meta, rbody = p.call(b"", {"path": path})
            self.assertEqual(kind, "response", path)
            self.assertEqual(meta.get("status", 200), status, path)
            self.assertEqual(meta.get("contentType"), ct, path)
            if js is not None:
                self.assertEqual(json.loads(rbody), js, path)
            else:
                self.assertEqual(rbody, body, path)
        _, meta, _ = p.call(b"", {"path": "/response"})
        self.assertEqual(meta["headers"], {"X-A": "1"})
        _, meta, _ = p.call(b"", {"path": "/response-positional"})
        self.assertEqual(meta["headers"], {"X-B": "2"})
        for path in ("/bad-return", "/nan"):
            kind, err = p.call(b"", {"path": path})
            self.assertEqual(kind, "error", path)
            self.assertIn("cannot encode", err["message"])
        self.assertEqual(p.stop(), 0)

    def test_return_types_uds(self):
        self._return_types("uds")

    def test_return_types_shm(self):
        self._return_types("shm")

    def test_event_meta_and_context(self):
        p = self.ready(HANDLERS)
        meta = {"path": "/meta", "method": "POST", "url": "/meta?q=1", "id": "e-1",
                "headers": {"X-Lower": "v"}, "fields": {"q": "1"}, "contentType": "text/plain",
                "timestamp": 1700000000123, "triggerKind": "http", "triggerName": "web",
                "triggerClass": "sync", "shardId": 2, "totalShards": 8, "offset": 99,
                "topic": "t", "type": "x.y", "unknownKey": [1]}
        kind, _, body = p.call(b"abc", meta)
        r = json.loads(body)
        self.assertEqual(r["path"], "/meta")
        self.assertEqual(r["method"], "POST")
        self.assertEqual(r["url"], "/meta?q=1")
        self.assertEqual(r["id"], "e-1")
        self.assertEqual(r["headers"], {"X-Lower": "v"})
        self.assertEqual(r["fields"], {"q": "1"})
        self.assertEqual(r["ct"], "text/plain")
        self.assertEqual(r["ts"], "2023-11-14T22:13:20.123000+00:00")
        self.assertEqual(r["trigger"], ["http", "web", "sync"])
        self.assertEqual(r["shard"], [2, 8, 99])
        self.assertEqual([r["topic"], r["type"], r["hdr"], r["size"]], ["t", "x.y", "v", 3])
        self.assertEqual(r["ctx"], [3, "fn-test", "http", "web", "hi"])
        # Missing keys: None / {} / 0.
        kind, _, body = p.call(b"", {"path": "/meta"})
        r = json.loads(body)
        self.assertEqual([r["method"], r["id"], r["ct"], r["ts"], r["topic"]], [None] * 5)
        self.assertEqual([r["headers"], r["fields"], r["shard"]], [{}, {}, [0, 0, 0]])
        self.assertEqual(r["trigger"], [None, None, None])
        # JSON with whitespace around it, and escapes.
        kind, _, body = p.call(b"", b' \n{ "path" : "/meta", "id": "\\u00e9" }\t')
        self.assertEqual(json.loads(body)["id"], "\u00e9")
        self.assertEqual(p.stop(), 0)

    def test_json_body_decoded_as_nuclio_does_when_asked(self):
        code = {"main.py": (
            "def handler(context, event):\n"
            "    return {'type': type(event.body).__name__, 'body': event.body if isinstance(event.body, dict)"
            " else event.body.decode('latin-1')}\n")}
        p = self.ready(code, env={"NUCLEON_DECODE_JSON_BODY": "1"})
        _, _, body = p.call(b'{"a": 1}', {"contentType": "application/json; charset=utf-8"})
        self.assertEqual(json.loads(body), {"type": "dict", "body": {"a": 1}})
        _, _, body = p.call(b'not json', {"contentType": "application/json"})
        self.assertEqual(json.loads(body), {"type": "bytes", "body": "not json"})
        _, _, body = p.call(b'{"a": 1}', {"contentType": "text/plain"})
        self.assertEqual(json.loads(body), {"type": "bytes", "body": '{"a": 1}'})
        self.assertEqual(p.stop(), 0)
        # without the setting the body stays bytes whatever its type
        p = self.ready(code)
        _, _, body = p.call(b'{"a": 1}', {"contentType": "application/json"})
        self.assertEqual(json.loads(body)["type"], "bytes")
        self.assertEqual(p.stop(), 0)

    def test_malformed_meta(self):
        # The meta is decoded when the handler first reads a field (this one reads event.path).
        for meta in (b'{"path": ', b'[1]', b'\xff\xfe{}'):
            with self.subTest(meta=meta):
                p = self.ready(HANDLERS)
                p.event(b"", meta)
                self.assertEqual(p.proc.wait(10), 2)
                time.sleep(0.1)
                self.assertIn("protocol error: the EVENT meta", p.stderr())

    def _logs(self, transport):
        p = self.ready(HANDLERS, transport=transport)
        # The init_context log came before HELLO.
        self.assertEqual(p.logs, [{"level": "info", "message": "init", "with": {"worker": 3}}])
        p.logs.clear()
        kind, _, body = p.call(b"", {"path": "/logs"})
        self.assertEqual(body, b"ok")
        self.assertEqual(p.logs, [
            {"level": "debug", "message": "plain args 7"},
            {"level": "info", "message": "with fields",
             "with": {"n": 1, "obj": "<odd>", "nested": {"b": "b'x'"}}},
            {"level": "warn", "message": "w"},
            {"level": "warn", "message": "w2"},
            {"level": "error", "message": "e", "with": {"code": 5}},
            {"level": "info", "message": "from a thread"},
        ])
        self.assertEqual(p.metrics, [{"name": "my_counter"}, {"name": "my_counter", "value": 5}])
        self.assertEqual(p.stop(), 0)

    def test_logs_uds(self):
        self._logs("uds")

    def test_logs_shm(self):
        self._logs("shm")

    # -- data bindings --

    def _bindings(self, transport):
        p = self.ready(BINDINGS, transport=transport, env=BINDING_ENV)
        p.on_binding = mini_bindings

        def get(path):
            kind, meta, body = p.call(b"", {"path": path})
            self.assertEqual(kind, "response", body)
            return json.loads(body)

        self.assertEqual(get("/names"), {"out": ["KafkaBinding", "kafka"], "q": ["PublishBinding", "rabbitmq"],
                                         "web": ["HttpBinding", "http"], "other": ["DataBinding", "custom"]})
        early = get("/early")
        self.assertEqual(early[0], "notInEvent")
        self.assertIn("init_context", early[1])
        self.assertEqual(p.binding_calls, [], "nothing sent outside an event")

        kind, meta, body = p.call(b"", {"path": "/send"})
        # the body of the event is empty; /send sends it as the value
        self.assertEqual(json.loads(body)["topic"], "t1")
        self.assertEqual(p.binding_calls[-1][0], {"binding": "out", "operation": "send",
                                                  "args": {"topic": "t1", "key": "k1", "headers": {"h": "v"}}})
        self.assertEqual(get("/publish"), {"op": "publish", "args": {"routingKey": "rk"}})
        self.assertEqual(p.binding_calls[-1][1], b"text body")
        self.assertEqual(get("/request"), {"status": 201, "body": 'got {"a": 1}'})
        self.assertEqual(p.binding_calls[-1][0]["args"], {"method": "POST", "path": "/x", "headers": {"X-A": "1"}})
        self.assertEqual(get("/generic"), {"result": {"op": "op", "args": {"n": 3}}, "body": [255, 0]})
        offsets = get("/twice")
        self.assertEqual(offsets[1], offsets[0] + 1, "each call has its own id")
        self.assertEqual(get("/fail"), ["failed", "topic nope does not exist"])
        kind, err = p.call(b"", {"path": "/fail-raises"})
        self.assertEqual(kind, "error")
        self.assertEqual(err["type"], "BindingError")
        self.assertEqual(err["message"], "topic nope does not exist")
        self.assertEqual(get("/thread"), ["notInEvent"])
        code, message = get("/bad-body")
        self.assertEqual(code, "badArguments")
        self.assertIn("float", message)
        # a big body goes over the socket with shm too
        big = os.urandom(700 * 1024)
        kind, meta, body = p.call(big, {"path": "/send"})
        self.assertEqual(kind, "response")
        self.assertEqual(p.binding_calls[-1][1], big)
        self.assertEqual(p.stop(), 0)

    def test_bindings_uds(self):
        self._bindings("uds")

    def test_bindings_shm(self):
        self._bindings("shm")

    def test_no_bindings(self):
        p = self.ready(BINDINGS)
        kind, meta, body = p.call(b"", {"path": "/names"})
        self.assertEqual(json.loads(body), {})
        self.assertEqual(p.stop(), 0)

    def test_binding_result_for_another_call_is_a_protocol_error(self):
        p = self.ready(BINDINGS, env=BINDING_ENV)
        p.on_binding = lambda call_id, meta, body: ({"ok": True}, b"")
        p.event(b"", {"path": "/send"})
        ftype, payload = p.recv()
        self.assertEqual(ftype, BINDING_CALL)
        call_id, _ = struct.unpack_from("<QI", payload)
        p.send(p.frame(BINDING_RESULT, struct.pack("<QI", call_id + 5, 2) + b"{}"))
        self.assertEqual(p.proc.wait(10), 2)
        self.assertIn("BINDING_RESULT for call", p.stderr())

    # -- batches --

    def batch(self, p, events):
        """Sends one EVENT_BATCH of (meta, body) pairs; returns ("batch", [(meta, body)]) or ("error", obj)."""
        p.seq += 1
        items = b"".join(struct.pack("<II", len(m), len(b)) + m + b
                         for m, b in ((json.dumps(meta).encode(), body) for meta, body in events))
        p.send(p.frame(EVENT_BATCH, struct.pack("<QI", p.seq, len(events)) + items))
        while True:
            ftype, payload = p.recv()
            if ftype == LOG:
                continue
            if ftype == ERROR:
                return "error", json.loads(payload[8:])
            self.assertEqual(ftype, RESPONSE_BATCH)
            seq, count = struct.unpack_from("<QI", payload)
            self.assertEqual(seq, p.seq)
            pos, out = 12, []
            for _ in range(count):
                ml, bl = struct.unpack_from("<II", payload, pos)
                pos += 8
                out.append((json.loads(payload[pos:pos + ml] or b"{}"), payload[pos + ml:pos + ml + bl]))
                pos += ml + bl
            self.assertEqual(pos, len(payload))
            return "batch", out

    def test_batches(self):
        code = {"main.py": """
            def handler(context, events):
                if not isinstance(events, list):
                    return "single " + event_text(events)
                kind = events[0].path
                if kind == "/raise":
                    raise ValueError("the whole batch")
                if kind == "/positional":
                    return [e.body.upper() for e in events]
                if kind == "/not-a-list":
                    return "oops"
                out = []
                for e in reversed(events):  # any order: matched by event_id
                    if e.body == b"skip":
                        continue
                    if e.body == b"bad":
                        out.append(context.Response(body={1, 2}, event_id=e.id))
                        continue
                    out.append(context.Response(body=b"r-" + e.body, status_code=201, event_id=e.id))
                return out

            def event_text(e):
                return e.body.decode()
        """}
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = self.ready(code, transport=transport)
                kind, items = self.batch(p, [({"id": "a", "path": "/"}, b"one"), ({"id": "b"}, b"skip"),
                                             ({"id": "c"}, b"bad"), ({"id": "d"}, b"two")])
                self.assertEqual(kind, "batch")
                self.assertEqual(items[0], ({"status": 201, "contentType": "application/octet-stream"}, b"r-one"))
                self.assertIn("no response with event_id 'b'", items[1][0]["error"]["message"])
                self.assertIn("cannot encode", items[2][0]["error"]["message"])
                self.assertEqual(items[3][1], b"r-two")
                kind, items = self.batch(p, [({"path": "/positional"}, b"x"), ({}, b"y")])
                self.assertEqual([b for _, b in items], [b"X", b"Y"])
                kind, err = self.batch(p, [({"path": "/raise"}, b"x"), ({}, b"y")])
                self.assertEqual((kind, err["type"], err["message"]), ("error", "ValueError", "the whole batch"))
                kind, items = self.batch(p, [({"path": "/not-a-list"}, b"x"), ({}, b"y")])
                self.assertIn("not str", items[1][0]["error"]["message"])
                # single events still work on the same wrapper
                self.assertEqual(p.call(b"solo", {"path": "/"})[2], b"single solo")
                self.assertEqual(p.stop(), 0)

    # -- errors --

    def test_handler_exception(self):
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = self.ready(HANDLERS, transport=transport)
                kind, err = p.call(b"", {"path": "/raise"})
                self.assertEqual(kind, "error")
                self.assertEqual(err["type"], "ZeroDivisionError")
                self.assertIn("division by zero", err["message"])
                self.assertIn("Traceback", err["traceback"])
                self.assertIn("in handler", err["traceback"])
                self.assertIn("1 / 0", err["traceback"])
                # Still serving.
                self.assertEqual(p.call(b"", {"path": "/str"})[2], "héllo".encode())
                self.assertEqual(p.stop(), 0)

    def test_init_context_failure(self):
        code = {"main.py": """
            def init_context(context):
                raise RuntimeError("no database")

            def handler(context, event):
                return "never"
        """}
        p = self.start(code)
        ftype, obj = p.handshake()
        self.assertEqual(ftype, INIT_FAILED)
        self.assertIn("no database", obj["message"])
        self.assertIn("RuntimeError", obj["traceback"])
        self.assertIn("init_context", obj["traceback"])
        self.assertEqual(p.proc.wait(10), 1)

    def test_load_failures(self):
        cases = [({"main.py": "import not_a_module_xyz\n"}, "main:handler", "not_a_module_xyz"),
                 ({"main.py": "x = 1\n"}, "main:handler", "no function"),
                 ({"main.py": "def handler(c, e): pass\n"}, "nohandlerspec", "module:function")]
        for code, handler, text in cases:
            with self.subTest(handler=handler, text=text):
                p = self.start(code, handler=handler)
                ftype, obj = p.handshake()
                self.assertEqual(ftype, INIT_FAILED)
                self.assertIn(text, obj["message"])
                self.assertEqual(p.proc.wait(10), 1)

    def test_oversized_response(self):
        p = self.ready(HANDLERS, max_frame=1 << 20)
        kind, meta, body = p.call(b"", {"path": "/big", "headers": {"n": str((1 << 20) - 100)}})
        self.assertEqual(len(body), (1 << 20) - 100)
        kind, err = p.call(b"", {"path": "/big", "headers": {"n": str(1 << 20)}})
        self.assertEqual(kind, "error")
        self.assertIn("NUCLEON_MAX_FRAME", err["message"])
        self.assertEqual(p.stop(), 0)

    def test_oversized_incoming_length(self):
        for transport in ("uds", "shm"):
            for length in (0, (1 << 20) + 1):
                with self.subTest(transport=transport, length=length):
                    p = self.ready(ECHO, transport=transport, max_frame=1 << 20)
                    self.assertEqual(p.call(b"x")[2], b"x")
                    p.sock.sendall(struct.pack("<IB", length, EVENT))
                    status = p.proc.wait(10)
                    self.assertNotEqual(status, 0)
                    time.sleep(0.1)  # let the stderr reader catch up
                    self.assertIn("frame length of %d" % length, p.stderr())

    def test_bad_ring_record(self):
        p = self.ready(ECHO, transport="shm", capacity=64 * 1024)
        # A record claiming a length larger than capacity/2.
        p.ring_a.publish(struct.pack("<IB", 40000, EVENT) + b"\0" * 12)
        p.sock.sendall(p.frame(DOORBELL))
        self.assertNotEqual(p.proc.wait(10), 0)
        time.sleep(0.1)
        self.assertIn("record length of 40000", p.stderr())

    # -- async, stop, idle --

    def test_async_handler(self):
        code = {"main.py": """
            import asyncio

            async def init_context(context):
                await asyncio.sleep(0)
                context.user_data.loop = id(asyncio.get_running_loop())

            async def handler(context, event):
                await asyncio.sleep(0.001)
                same = id(asyncio.get_running_loop()) == context.user_data.loop
                return {"same_loop": same, "body": event.body.decode()}
        """}
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = self.ready(code, transport=transport)
                for i in range(3):
                    kind, meta, body = p.call(str(i).encode())
                    self.assertEqual(json.loads(body), {"same_loop": True, "body": str(i)})
                self.assertEqual(p.stop(), 0)

    def test_stop(self):
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = self.ready(ECHO, transport=transport)
                self.assertEqual(p.stop(), 0)
                # Stop also works right after HELLO, before any event.
                p = self.ready(ECHO, transport=transport)
                p.call(b"1")
                self.assertEqual(p.stop(), 0)

    def test_stop_runs_atexit_and_ignores_user_threads(self):
        code = {"main.py": """
            import atexit, os, threading, time

            def init_context(context):
                atexit.register(lambda: open("atexit-ran", "w").close())
                threading.Thread(target=time.sleep, args=(60,)).start()  # not a daemon

            def handler(context, event):
                return "ok"
        """}
        p = self.ready(code, transport="shm")
        self.assertEqual(p.call(b"")[2], b"ok")
        self.assertEqual(p.stop(), 0)
        self.assertTrue(os.path.exists(os.path.join(p.code_dir, "atexit-ran")))

    def test_protocol_mismatch(self):
        p = self.start(ECHO, env={"NUCLEON_PROTOCOL": "2"})
        ftype, obj = p.handshake()
        self.assertEqual(ftype, INIT_FAILED)
        self.assertIn("protocol 2", obj["message"])
        self.assertEqual(p.proc.wait(10), 1)

    @unittest.skipUnless(os.path.exists("/proc/self/stat"), "needs /proc")
    def test_idle_uses_no_cpu(self):
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = self.ready(ECHO, transport=transport)
                self.assertEqual(p.call(b"warm")[2], b"warm")
                time.sleep(0.2)
                before = _cpu_seconds(p.proc.pid)
                time.sleep(2)
                used = _cpu_seconds(p.proc.pid) - before
                # ~0: allow 20 ms of CPU in 2 s (1 %) for clock-tick granularity.
                self.assertLessEqual(used, 0.02, "the idle wrapper used %.3f s of CPU" % used)
                # Woken by a doorbell.
                rung = p.doorbells_out
                self.assertEqual(p.call(b"again")[2], b"again")
                if transport == "shm":
                    self.assertEqual(p.doorbells_out, rung + 1)
                self.assertEqual(p.stop(), 0)

    @unittest.skipUnless(os.path.exists("/usr/bin/python3") and
                         os.path.realpath("/usr/bin/python3") != os.path.realpath(sys.executable),
                         "no second interpreter")
    def test_system_python(self):
        for transport in ("uds", "shm"):
            with self.subTest(transport=transport):
                p = MiniP(HANDLERS, transport=transport, start=False)
                self.addCleanup(p.close)
                p.start(python="/usr/bin/python3")
                self.assertEqual(p.handshake()[0], HELLO, p.stderr())
                self.assertEqual(p.call(b"", {"path": "/str"})[2], "héllo".encode())
                self.assertEqual(p.call(b"x" * 100000, {"path": "/none"})[2], b"")
                self.assertEqual(p.stop(), 0)


def _cpu_seconds(pid):
    """utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench(seconds=3.0):
    """Events/s and latency of a 100-byte echo through the mini-P (P is Python too)."""
    body = b"x" * 100
    for transport in ("uds", "shm"):
        p = MiniP(ECHO, transport=transport)
        try:
            assert p.handshake()[0] == HELLO
            for _ in range(2000):
                p.call(body)
            lat = []
            clock = time.perf_counter
            cpu0 = _cpu_seconds(p.proc.pid)
            t0 = clock()
            end = t0 + seconds
            while True:
                s = clock()
                p.call(body)
                e = clock()
                lat.append(e - s)
                if e > end:
                    break
            total = clock() - t0
            wcpu = _cpu_seconds(p.proc.pid) - cpu0
            lat.sort()
            print("%-4s %8.0f events/s   p50 %6.1f us   p99 %6.1f us   W cpu/event %5.1f us" % (
                transport, len(lat) / total, lat[len(lat) // 2] * 1e6,
                lat[int(len(lat) * 0.99)] * 1e6, wcpu / len(lat) * 1e6))
            p.stop()
        finally:
            p.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["bench"]:
        bench()
    else:
        unittest.main()
