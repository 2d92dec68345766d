'use strict'
// Tests of nucleon-wrapper.js against a miniature processor ("mini-P") that speaks the wrapper
// protocol (docs/protocol.md) over a Unix domain socket and runs the real wrapper as a child.
//
//   cd wrappers/node && node --test test/
//   (the 100-byte echo benchmark against the real processor: benchmarks/README.md, WrapperRoundTrip)

const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const { spawn } = require('node:child_process')

const WRAPPER = path.join(__dirname, '..', 'nucleon-wrapper.js')

const T = { HELLO: 0x01, INIT_FAILED: 0x02, STOP: 0x03, EVENT: 0x10, RESPONSE: 0x11, ERROR: 0x12, BINDING_RESULT: 0x13, LOG: 0x20, METRIC: 0x21, BINDING_CALL: 0x22 }

// ------------------------------------------------------------------------------------------------
// handler files written into a temporary code directory

const HANDLERS = {
  'echo.js': `
exports.handler = (context, event) => event.body
`,
  'cbecho.js': `
exports.handler = function (context, event) { context.callback(event.body) }
`,
  // a classic Nuclio function, unmodified
  'reverser.js': `
exports.handler = function(context, event) {
    var body = event.body.toString();
    context.callback(body.split('').reverse().join(''));
};
`,
  'lib/nested.js': `
exports.main = async (context, event) => 'nested ' + event.body.toString()
`,
  'modes.js': `
exports.initContext = async function (context) {
  await new Promise(resolve => setTimeout(resolve, 10))
  context.userData.count = 0
  context.logger.info('init done', { worker: context.workerId })
}

exports.handler = function (context, event) {
  switch (event.path) {
    case '/cb': context.callback('via callback'); return
    case '/cb-later': setTimeout(() => context.callback('later'), 30); return
    case '/ret': return 'via return'
    case '/ret-obj': return { a: 1, b: [1, 2] }
    case '/ret-u8': return new Uint8Array([9, 8, 7])
    case '/promise': return new Promise(resolve => setTimeout(() => resolve(Buffer.from([1, 2, 3])), 10))
    case '/async-undefined': return (async () => {})()
    case '/null': return null
    case '/cb-empty': context.callback(); return
    case '/response': context.callback(new context.Response('created', { 'X-A': 'b', n: 5 }, 'text/x-custom', 201)); return
    case '/response-obj': return new context.Response({ ok: true }, null, 'text/plain', 202)
    case '/response-buf': return new context.Response(Buffer.from('raw'), {}, undefined, 203)
    case '/status-reply': context.callback([201, { a: 'dict' }]); return
    case '/both': context.callback('first'); return 'second'
    case '/late-cb': setTimeout(() => context.callback('too late'), 20); return 'now'
    case '/throw': throw new TypeError('boom sync')
    case '/throw-string': throw 'some error'
    case '/reject': return (async () => { await null; throw new RangeError('boom async') })()
    case '/bigint': return { n: 1n }
    case '/floating-rejection': Promise.reject(new Error('nobody awaits me')); return 'ok'
    case '/timer-throw': setTimeout(() => { throw new Error('thrown in a timer') }, 5); return
    case '/userdata': context.userData.count++; return String(context.userData.count)
    case '/ctx': return { workerId: context.workerId, functionName: context.functionName, trigger: context.trigger }
    case '/big': return Buffer.alloc(Number(event.headers['x-size']), 120)
    case '/event': return {
      id: event.id, method: event.method, path: event.path, url: event.url,
      contentType: event.contentType, content_type: event.content_type, dash: event['content-type'],
      headers: event.headers, fields: event.fields, timestamp: event.timestamp.toISOString(),
      trigger: event.trigger, shardId: event.shardId, shard_id: event.shard_id, numShards: event.numShards,
      num_shards: event.num_shards, offset: event.offset, topic: event.topic, type: event.type,
      type_version: event.type_version, version: event.version, size: event.size,
      isBuffer: Buffer.isBuffer(event.body), body: event.body.toString()
    }
    case '/logs':
      context.logger.debug('plain debug')
      context.logger.info('formatted %s=%d', 'x', 5)
      context.logger.warn('nuclio style', { source: 'rabbit', weight: 7 })
      context.logger.error('nucleon style', 'orderId', 'o-1', 'items', 3)
      context.logger.infoWith('with object', { a: 1, nested: { b: [2] } })
      context.logger.errorWith('with error', { err: new Error('inner') })
      context.metric('my.counter', 2)
      context.metric('plain.counter')
      return 'logged'
    default: throw new Error('unknown path ' + event.path)
  }
}
`,
  'bindings.js': `
let early = null
exports.initContext = async function (context) {
  if (context.dataBinding.out) {
    try { await context.dataBinding.out.send('too early') } catch (e) { early = [e.name, e.code, e.message] }
  }
}
exports.handler = async function (context, event) {
  const db = context.dataBinding
  switch (event.path) {
    case '/names': return Object.fromEntries(Object.entries(db).map(([k, v]) => [k, [v.constructor.name, v.kind]]))
    case '/early': return early
    case '/send': return db.out.send(event.body, { topic: 't1', key: 'k1', headers: { h: 'v' } })
    case '/parallel': return Promise.all([db.out.send('a'), db.out.send('b'), db.q.publish({ j: 1 }, { routingKey: 'rk' })])
    case '/request': {
      const r = await db.web.request('POST', '/x', { body: 'hi', headers: { 'X-A': '1' } })
      return { status: r.status, body: r.body.toString() }
    }
    case '/generic': {
      const r = await db.other.call('op', Buffer.from([0, 255]), { n: 3 })
      return { result: r.result, body: [...r.body] }
    }
    case '/fail':
      try { await db.out.send('x', { topic: 'nope' }) } catch (e) { return [e.name, e.code, e.message, e instanceof context.BindingError] }
      return 'sent?'
    case '/fail-raises': await db.out.send('x', { topic: 'nope' }); return 'sent?'
    case '/after': setTimeout(() => db.out.send('late').catch(e => context.logger.info('late: ' + e.code)), 5); return 'answered'
    default: throw new Error('unknown path ' + event.path)
  }
}
`,
  'esm.mjs': `
export async function handler (context, event) { return 'esm ' + event.body }
`,
  'initfail.js': `
exports.initContext = function (context) {
  context.logger.info('about to fail')
  throw new Error('cannot open the model')
}
exports.handler = () => 'never'
`,
  'syntaxerr.js': `
exports.handler = function ( {
`
}

let root
let codeDir

test.before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nucleon-node-'))
  fs.chmodSync(root, 0o700)
  codeDir = path.join(root, 'code')
  for (const [name, text] of Object.entries(HANDLERS)) {
    const file = path.join(codeDir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, text)
  }
})

test.after(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

// ------------------------------------------------------------------------------------------------
// the mini-P

function frame (type, payload = Buffer.alloc(0)) {
  const head = Buffer.alloc(5)
  head.writeUInt32LE(1 + payload.length, 0)
  head[4] = type
  return Buffer.concat([head, payload])
}

function eventFrame (seq, meta, body) {
  const metaBuf = Buffer.from(meta === undefined ? '{}' : JSON.stringify(meta))
  const bodyBuf = typeof body === 'string' ? Buffer.from(body) : (body || Buffer.alloc(0))
  const fixed = Buffer.alloc(12)
  fixed.writeBigUInt64LE(BigInt(seq), 0)
  fixed.writeUInt32LE(metaBuf.length, 8)
  return frame(T.EVENT, Buffer.concat([fixed, metaBuf, bodyBuf]))
}

class MiniP {
  static async start (handler, extraEnv = {}) {
    const p = new MiniP()
    p.dir = fs.mkdtempSync(path.join(root, 'p-'))
    fs.chmodSync(p.dir, 0o700)
    p.sockPath = path.join(p.dir, 'w.sock')
    p.server = net.createServer()
    await new Promise((resolve, reject) => {
      p.server.once('error', reject)
      p.server.listen(p.sockPath, resolve)
    })
    const connection = new Promise(resolve => p.server.once('connection', resolve))
    const env = {}
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NUCLEON_') && !k.startsWith('NODE_TEST')) env[k] = v
    Object.assign(env, {
      NUCLEON_PROTOCOL: '1',
      NUCLEON_SOCKET: p.sockPath,
      NUCLEON_TRANSPORT: 'uds',
      NUCLEON_HANDLER: handler,
      NUCLEON_CODE_DIR: codeDir,
      NUCLEON_WORKER_ID: '3',
      NUCLEON_FUNCTION_NAME: 'test-fn',
      NUCLEON_TRIGGER_KIND: 'http',
      NUCLEON_TRIGGER_NAME: 'web',
      NUCLEON_MAX_FRAME: String(64 * 1024 * 1024)
    }, extraEnv)
    p.child = spawn(process.execPath, [WRAPPER], { cwd: codeDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    p.stdout = ''
    p.stderr = ''
    p.child.stdout.on('data', d => { p.stdout += d })
    p.child.stderr.on('data', d => { p.stderr += d })
    p.exited = new Promise(resolve => p.child.on('exit', (code, signal) => resolve({ code, signal })))
    p.socket = await Promise.race([connection, p.exited.then(() => null)])
    p.frames = []
    p.waiters = []
    p.closed = false
    p.seq = 0
    if (p.socket !== null) {
      const chunks = []
      let have = 0
      p.socket.on('data', chunk => {
        chunks.push(chunk)
        have += chunk.length
        while (have >= 4) {
          let head = chunks[0]
          if (head.length < 4) { head = Buffer.concat(chunks); chunks.length = 0; chunks.push(head) }
          const len = head.readUInt32LE(0)
          if (have < 4 + len) break
          const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have)
          chunks.length = 0
          const f = { type: all[4], payload: all.subarray(5, 4 + len) }
          const rest = all.subarray(4 + len)
          have = rest.length
          if (have > 0) chunks.push(rest)
          p._push(f)
        }
      })
      p.socket.on('close', () => { p.closed = true; p._push(null) })
      p.socket.on('error', () => {})
    }
    return p
  }

  _push (f) {
    const w = this.waiters.shift()
    if (w) w(f)
    else this.frames.push(f)
  }

  // the next frame from W, or null once the socket is closed
  next (timeoutMs = 10000) {
    if (this.frames.length > 0) return Promise.resolve(this.frames.shift())
    if (this.closed) return Promise.resolve(null)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame from W within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs)
      this.waiters.push(f => { clearTimeout(timer); resolve(f) })
    })
  }

  // reads frames up to HELLO or INIT_FAILED; returns { type, json, logs }
  async handshake () {
    const logs = []
    for (;;) {
      const f = await this.next()
      if (f === null) return { type: null, logs }
      if (f.type === T.LOG) { logs.push(JSON.parse(f.payload)); continue }
      return { type: f.type, json: JSON.parse(f.payload), logs }
    }
  }

  static async started (handler, extraEnv) {
    const p = await MiniP.start(handler, extraEnv)
    const h = await p.handshake()
    assert.equal(h.type, T.HELLO, `expected HELLO; stderr: ${p.stderr}`)
    assert.equal(h.json.protocol, 1)
    p.hello = h
    return p
  }

  write (buf) { this.socket.write(buf) }

  sendEvent (meta, body) {
    const seq = ++this.seq
    this.write(eventFrame(seq, meta, body))
    return seq
  }

  // reads until the RESPONSE or ERROR of seq; LOG and METRIC frames are collected on the way
  async answer (seq) {
    const out = { logs: [], metrics: [] }
    for (;;) {
      const f = await this.next()
      if (f === null) throw new Error(`W closed the socket; stderr: ${this.stderr}`)
      if (f.type === T.LOG) { out.logs.push(JSON.parse(f.payload)); continue }
      if (f.type === T.METRIC) { out.metrics.push(JSON.parse(f.payload)); continue }
      assert.ok(f.type === T.RESPONSE || f.type === T.ERROR, `unexpected frame type ${f.type}`)
      const gotSeq = Number(f.payload.readBigUInt64LE(0))
      assert.equal(gotSeq, seq, 'answer for the event in flight')
      if (f.type === T.ERROR) {
        out.kind = 'error'
        out.error = JSON.parse(f.payload.subarray(8))
        return out
      }
      const metaLen = f.payload.readUInt32LE(8)
      out.kind = 'response'
      out.meta = JSON.parse(f.payload.subarray(12, 12 + metaLen))
      out.status = out.meta.status === undefined ? 200 : out.meta.status
      out.contentType = out.meta.contentType
      out.headers = out.meta.headers || {}
      out.body = f.payload.subarray(12 + metaLen)
      return out
    }
  }

  async call (meta, body) {
    return this.answer(this.sendEvent(meta, body))
  }

  // answers BINDING_CALL frames with onBinding(callId, meta, body) -> [resultMeta, body] until the
  // RESPONSE or ERROR of the event; the calls are kept in this.bindingCalls
  async callWithBindings (meta, body, onBinding) {
    const seq = this.sendEvent(meta, body)
    this.bindingCalls = this.bindingCalls || []
    const held = []
    for (;;) {
      const f = await this.next()
      if (f === null) throw new Error(`W closed the socket; stderr: ${this.stderr}`)
      if (f.type !== T.BINDING_CALL) {
        held.push(f)
        if (f.type === T.RESPONSE || f.type === T.ERROR) break
        continue
      }
      const id = f.payload.readBigUInt64LE(0)
      const metaLen = f.payload.readUInt32LE(8)
      const callMeta = JSON.parse(f.payload.subarray(12, 12 + metaLen))
      const callBody = Buffer.from(f.payload.subarray(12 + metaLen))
      this.bindingCalls.push([callMeta, callBody])
      const [rmeta, rbody] = onBinding(Number(id), callMeta, callBody)
      const m = Buffer.from(JSON.stringify(rmeta))
      const fixed = Buffer.alloc(12)
      fixed.writeBigUInt64LE(id, 0)
      fixed.writeUInt32LE(m.length, 8)
      this.write(frame(T.BINDING_RESULT, Buffer.concat([fixed, m, rbody || Buffer.alloc(0)])))
    }
    this.frames.unshift(...held)
    return this.answer(seq)
  }

  async stop () {
    this.write(frame(T.STOP))
    return this.exited
  }

  async close () {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
    if (this.socket) this.socket.destroy()
    await new Promise(resolve => this.server.close(resolve))
  }
}

async function withP (handler, fn, extraEnv) {
  const p = await MiniP.started(handler, extraEnv)
  try {
    return await fn(p)
  } finally {
    await p.close()
  }
}

// ------------------------------------------------------------------------------------------------
// tests

test('handshake: HELLO describes the wrapper', async () => {
  await withP('echo:handler', async p => {
    const h = p.hello.json
    assert.equal(h.protocol, 1)
    assert.equal(h.wrapper, 'nucleon-node')
    assert.equal(h.language, 'nodejs')
    assert.equal(h.languageVersion, process.versions.node)
    assert.equal(h.pid, p.child.pid)
  })
})

test('echo of 0 B, 100 B, 64 KiB and 4 MiB bodies, every byte checked', async () => {
  for (const handler of ['echo:handler', 'cbecho.js:handler']) {
    await withP(handler, async p => {
      for (const size of [0, 100, 64 * 1024, 4 * 1024 * 1024]) {
        const body = crypto.randomBytes(size)
        const r = await p.call({ path: '/', method: 'POST', contentType: 'application/octet-stream' }, body)
        assert.equal(r.kind, 'response', JSON.stringify(r.error))
        assert.equal(r.status, 200)
        assert.equal(r.contentType, 'application/octet-stream')
        assert.equal(r.body.length, size, `${handler} ${size}`)
        assert.ok(r.body.equals(body), `${handler}: body of ${size} bytes echoed exactly`)
      }
    })
  }
})

test('a classic Nuclio handler runs unmodified; nested path and other function name', async () => {
  await withP('reverser:handler', async p => {
    const r = await p.call({ path: '/' }, 'abc')
    assert.equal(r.body.toString(), 'cba')
    assert.equal(r.contentType, 'text/plain; charset=utf-8')
  })
  await withP('esm:handler', async p => {
    const r = await p.call({}, 'module')
    assert.equal(r.body.toString(), 'esm module')
  })
  await withP('lib/nested:main', async p => {
    const r = await p.call({}, 'x')
    assert.equal(r.body.toString(), 'nested x')
  })
})

test('answers: callback, return value, Promise, Response and the value mapping', async () => {
  await withP('modes:handler', async p => {
    const call = async (pathName, body) => p.call({ path: pathName }, body)
    let r = await call('/cb')
    assert.deepEqual([r.status, r.contentType, r.body.toString()], [200, 'text/plain; charset=utf-8', 'via callback'])
    r = await call('/cb-later')
    assert.equal(r.body.toString(), 'later')
    r = await call('/ret')
    assert.deepEqual([r.status, r.contentType, r.body.toString()], [200, 'text/plain; charset=utf-8', 'via return'])
    r = await call('/ret-obj')
    assert.equal(r.contentType, 'application/json')
    assert.deepEqual(JSON.parse(r.body), { a: 1, b: [1, 2] })
    r = await call('/ret-u8')
    assert.equal(r.contentType, 'application/octet-stream')
    assert.deepEqual([...r.body], [9, 8, 7])
    r = await call('/promise')
    assert.equal(r.contentType, 'application/octet-stream')
    assert.deepEqual([...r.body], [1, 2, 3])
    for (const empty of ['/async-undefined', '/null', '/cb-empty']) {
      r = await call(empty)
      assert.equal(r.kind, 'response', empty)
      assert.equal(r.status, 200, empty)
      assert.equal(r.body.length, 0, empty)
      assert.equal(r.contentType, undefined, empty)
    }
    r = await call('/response')
    assert.equal(r.status, 201)
    assert.equal(r.contentType, 'text/x-custom')
    assert.deepEqual(r.headers, { 'X-A': 'b', n: '5' })
    assert.equal(r.body.toString(), 'created')
    r = await call('/response-obj')
    assert.equal(r.status, 202)
    assert.equal(r.contentType, 'application/json')
    assert.deepEqual(JSON.parse(r.body), { ok: true })
    r = await call('/response-buf')
    assert.equal(r.status, 203)
    assert.equal(r.contentType, 'application/octet-stream')
    assert.equal(r.body.toString(), 'raw')
    r = await call('/status-reply')
    assert.equal(r.status, 201)
    assert.deepEqual(JSON.parse(r.body), { a: 'dict' })
  })
})

test('callback and return value for one event: the first wins, the later one is ignored with a warning', async () => {
  await withP('modes:handler', async p => {
    let r = await p.call({ path: '/both' })
    assert.equal(r.body.toString(), 'first')
    // the return value is seen after the callback answered: a warning LOG follows the RESPONSE
    const w = await p.next()
    assert.equal(w.type, T.LOG)
    const warn = JSON.parse(w.payload)
    assert.equal(warn.level, 'warn')
    assert.match(warn.message, /the return value gave an answer for an event that was already answered; ignored/)
    assert.equal(warn.with.seq, 1)
    r = await p.call({ path: '/late-cb' })
    assert.equal(r.body.toString(), 'now')
    // the late callback comes while nothing is in flight: a warning LOG, never a second RESPONSE
    const f = await p.next()
    assert.equal(f.type, T.LOG)
    const log = JSON.parse(f.payload)
    assert.equal(log.level, 'warn')
    assert.match(log.message, /context.callback gave an answer/)
    assert.equal(log.with.seq, 2)
    r = await p.call({ path: '/ret' })
    assert.equal(r.body.toString(), 'via return')
    assert.equal(r.logs.length, 0)
  })
})

test('event fields use Nuclio\'s names; context carries worker, function and userData', async () => {
  await withP('modes:handler', async p => {
    assert.deepEqual(p.hello.logs.map(l => [l.level, l.message, l.with]), [['info', 'init done', { worker: 3 }]])
    const meta = {
      id: 'ev-1',
      triggerKind: 'http',
      triggerName: 'web',
      triggerClass: 'sync',
      method: 'POST',
      path: '/event',
      url: '/event?q=1',
      contentType: 'text/plain',
      headers: { 'Content-Type': 'text/plain', 'X-Id': '7' },
      fields: { q: '1' },
      timestamp: 1700000000123,
      shardId: 4,
      totalShards: 12,
      offset: 99,
      topic: 'orders',
      type: 't',
      typeVersion: 'tv',
      version: 'v',
      someFutureKey: { ignored: true }
    }
    const r = await p.call(meta, 'hello')
    assert.equal(r.kind, 'response', JSON.stringify(r.error))
    assert.deepEqual(JSON.parse(r.body), {
      id: 'ev-1',
      method: 'POST',
      path: '/event',
      url: '/event?q=1',
      contentType: 'text/plain',
      content_type: 'text/plain',
      dash: 'text/plain',
      headers: { 'Content-Type': 'text/plain', 'X-Id': '7' },
      fields: { q: '1' },
      timestamp: new Date(1700000000123).toISOString(),
      trigger: { kind: 'http', name: 'web', class: 'sync' },
      shardId: 4,
      shard_id: 4,
      numShards: 12,
      num_shards: 12,
      offset: 99,
      topic: 'orders',
      type: 't',
      type_version: 'tv',
      version: 'v',
      size: 5,
      isBuffer: true,
      body: 'hello'
    })
    const ctx = JSON.parse((await p.call({ path: '/ctx' })).body)
    assert.deepEqual(ctx, { workerId: 3, functionName: 'test-fn', trigger: { kind: 'http', name: 'web' } })
    assert.equal((await p.call({ path: '/userdata' })).body.toString(), '1')
    assert.equal((await p.call({ path: '/userdata' })).body.toString(), '2')
  })
})

test('logs with fields and metrics', async () => {
  await withP('modes:handler', async p => {
    const r = await p.call({ path: '/logs' })
    assert.equal(r.body.toString(), 'logged')
    const logs = r.logs.map(l => [l.level, l.message, l.with])
    assert.deepEqual(logs.slice(0, 5), [
      ['debug', 'plain debug', undefined],
      ['info', 'formatted x=5', undefined],
      ['warn', 'nuclio style', { source: 'rabbit', weight: 7 }],
      ['error', 'nucleon style', { orderId: 'o-1', items: 3 }],
      ['info', 'with object', { a: 1, nested: { b: [2] } }]
    ])
    const [level, message, w] = logs[5]
    assert.equal(level, 'error')
    assert.equal(message, 'with error')
    assert.equal(w.err.message, 'inner')
    assert.match(w.err.stack, /modes\.js/)
    assert.deepEqual(r.metrics, [{ name: 'my.counter', value: 2 }, { name: 'plain.counter' }])
  })
})

test('a throwing handler and a rejecting Promise give ERROR with the stack; W goes on', async () => {
  await withP('modes:handler', async p => {
    let r = await p.call({ path: '/throw' })
    assert.equal(r.kind, 'error')
    assert.equal(r.error.message, 'boom sync')
    assert.equal(r.error.type, 'TypeError')
    assert.match(r.error.traceback, /TypeError: boom sync\n\s+at .*modes\.js/)
    r = await p.call({ path: '/reject' })
    assert.equal(r.kind, 'error')
    assert.equal(r.error.message, 'boom async')
    assert.equal(r.error.type, 'RangeError')
    assert.match(r.error.traceback, /RangeError: boom async\n\s+at .*modes\.js/)
    r = await p.call({ path: '/throw-string' })
    assert.equal(r.kind, 'error')
    assert.equal(r.error.message, 'some error')
    r = await p.call({ path: '/bigint' })
    assert.equal(r.kind, 'error')
    assert.match(r.error.message, /cannot encode/)
    r = await p.call({ path: '/ret' })
    assert.equal(r.body.toString(), 'via return')
  })
})

test('an uncaught exception while an event is in flight: ERROR for it, then exit 1; a floating rejection is logged', async () => {
  await withP('modes:handler', async p => {
    let r = await p.call({ path: '/floating-rejection' })
    assert.equal(r.body.toString(), 'ok')
    const f = await p.next()
    assert.equal(f.type, T.LOG)
    const log = JSON.parse(f.payload)
    assert.equal(log.level, 'error')
    assert.match(log.message, /unhandled promise rejection: nobody awaits me/)
    assert.match(log.with.traceback, /modes\.js/)
    r = await p.call({ path: '/timer-throw' })
    assert.equal(r.kind, 'error')
    assert.match(r.error.message, /uncaught exception: thrown in a timer/)
    assert.match(r.error.traceback, /modes\.js/)
    assert.equal((await p.exited).code, 1)
  })
})

test('a response larger than NUCLEON_MAX_FRAME becomes an ERROR saying so', async () => {
  await withP('modes:handler', async p => {
    let r = await p.call({ path: '/big', headers: { 'x-size': '4000' } })
    assert.equal(r.kind, 'response')
    assert.equal(r.body.length, 4000)
    r = await p.call({ path: '/big', headers: { 'x-size': '5000' } })
    assert.equal(r.kind, 'error')
    assert.match(r.error.message, /response too large.*NUCLEON_MAX_FRAME \(4096\)/)
    r = await p.call({ path: '/ret' })
    assert.equal(r.body.toString(), 'via return')
  }, { NUCLEON_MAX_FRAME: '4096' })
})

test('initContext failure: INIT_FAILED with the stack, exit 1', async () => {
  const p = await MiniP.start('initfail:handler')
  try {
    const h = await p.handshake()
    assert.equal(h.type, T.INIT_FAILED)
    assert.match(h.json.message, /cannot open the model/)
    assert.match(h.json.traceback, /initfail\.js/)
    assert.deepEqual(h.logs.map(l => l.message), ['about to fail'])
    assert.deepEqual(await p.exited, { code: 1, signal: null })
  } finally {
    await p.close()
  }
})

test('load failures: INIT_FAILED and exit 1 for a missing file, a missing function, a syntax error', async () => {
  for (const [handler, re] of [['nosuchfile:handler', /cannot find the handler file/], ['echo:nope', /exports no function "nope"/], ['syntaxerr:handler', /Unexpected/]]) {
    const p = await MiniP.start(handler)
    try {
      const h = await p.handshake()
      assert.equal(h.type, T.INIT_FAILED, handler)
      assert.match(h.json.message, re)
      assert.equal((await p.exited).code, 1)
    } finally {
      await p.close()
    }
  }
})

test('NUCLEON_TRANSPORT=shm: INIT_FAILED saying only uds is supported, exit 1', async () => {
  const p = await MiniP.start('echo:handler', { NUCLEON_TRANSPORT: 'shm', NUCLEON_SHM_FILE: '/dev/shm/nonexistent' })
  try {
    const h = await p.handshake()
    assert.equal(h.type, T.INIT_FAILED)
    assert.match(h.json.message, /NUCLEON_TRANSPORT=shm is not supported.*uds/)
    assert.equal((await p.exited).code, 1)
  } finally {
    await p.close()
  }
})

test('STOP: exit 0; STOP while an event is in flight: the event is answered first', async () => {
  let p = await MiniP.started('echo:handler')
  try {
    assert.equal((await p.call({}, 'x')).body.toString(), 'x')
    assert.deepEqual(await p.stop(), { code: 0, signal: null })
  } finally {
    await p.close()
  }
  p = await MiniP.started('modes:handler')
  try {
    const seq = p.sendEvent({ path: '/cb-later' })
    p.write(frame(T.STOP))
    p.sendEvent({ path: '/ret' }) // after STOP: never run
    const r = await p.answer(seq)
    assert.equal(r.body.toString(), 'later')
    assert.deepEqual(await p.exited, { code: 0, signal: null })
    assert.equal(await p.next(), null, 'nothing after the answer')
  } finally {
    await p.close()
  }
})

test('frames split byte by byte, several frames in one write, metaLength 0; ignorable types skipped', async () => {
  await withP('echo:handler', async p => {
    const body = crypto.randomBytes(300)
    const seq = ++p.seq
    const buf = Buffer.concat([frame(0x40, Buffer.from('ignore me')), eventFrame(seq, { path: '/' }, body)])
    for (let i = 0; i < buf.length; i++) {
      p.write(buf.subarray(i, i + 1))
      if (i % 50 === 0) await new Promise(resolve => setImmediate(resolve))
    }
    let r = await p.answer(seq)
    assert.ok(r.body.equals(body))
    const s1 = ++p.seq
    const s2 = ++p.seq
    p.write(Buffer.concat([eventFrame(s1, {}, 'one'), eventFrame(s2, {}, 'two')]))
    r = await p.answer(s1)
    assert.equal(r.body.toString(), 'one')
    r = await p.answer(s2)
    assert.equal(r.body.toString(), 'two')
    // metaLength 0 means {}
    const s3 = ++p.seq
    const fixed = Buffer.alloc(12)
    fixed.writeBigUInt64LE(BigInt(s3), 0)
    p.write(frame(T.EVENT, Buffer.concat([fixed, Buffer.from('no meta')])))
    r = await p.answer(s3)
    assert.equal(r.body.toString(), 'no meta')
  })
})

test('an oversized or zero incoming frame length: exit non-zero with a clear message', async () => {
  for (const len of [1025, 0]) {
    const p = await MiniP.started('echo:handler', { NUCLEON_MAX_FRAME: '1024' })
    try {
      const head = Buffer.alloc(5)
      head.writeUInt32LE(len, 0)
      head[4] = T.EVENT
      p.write(head)
      const { code } = await p.exited
      assert.notEqual(code, 0)
      assert.match(p.stderr, new RegExp(`protocol error: received a frame length of ${len} bytes \\(must be 1\\.\\.1024`))
    } finally {
      await p.close()
    }
  }
})

test('an unknown frame type outside the ignorable range is a protocol error', async () => {
  await withP('echo:handler', async p => {
    p.write(frame(0x30))
    const { code } = await p.exited
    assert.notEqual(code, 0)
    assert.match(p.stderr, /unexpected frame type 0x30/)
  })
})

function cpuTicks (pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime (fields 14 and 15)
}

function clockTicks () {
  try {
    return Number(require('node:child_process').execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch (e) {
    return 100
  }
}

test('idle: the wrapper uses ~0 CPU for 2 s', { skip: !fs.existsSync('/proc/self/stat') }, async () => {
  await withP('echo:handler', async p => {
    assert.equal((await p.call({}, 'warm')).body.toString(), 'warm')
    await new Promise(resolve => setTimeout(resolve, 200))
    const before = cpuTicks(p.child.pid)
    await new Promise(resolve => setTimeout(resolve, 2000))
    const used = cpuTicks(p.child.pid) - before
    assert.ok(used <= 2, `idle wrapper used ${used} clock ticks in 2 s`)
  })
})

test('the processor going away: W exits', async () => {
  const p = await MiniP.started('echo:handler')
  try {
    p.socket.end()
    const { code } = await p.exited
    assert.equal(code, 1)
    assert.match(p.stderr, /closed the socket/)
  } finally {
    await p.close()
  }
})

// ------------------------------------------------------------------------------------------------
// data bindings

const BINDING_ENV = { NUCLEON_DATA_BINDINGS: JSON.stringify({ out: 'kafka', q: 'rabbitmq', web: 'http', other: 'custom' }) }

function miniBindings (id, meta, body) {
  const args = meta.args || {}
  if (meta.binding === 'out') {
    if (args.topic === 'nope') return [{ ok: false, error: 'failed', message: 'topic nope does not exist' }]
    return [{ ok: true, result: { topic: args.topic || 'default', offset: id, value: body.toString() } }]
  }
  if (meta.binding === 'web') return [{ ok: true, result: { status: 201, headers: {} } }, Buffer.concat([Buffer.from('got '), body])]
  return [{ ok: true, result: { op: meta.operation, args } }, Buffer.from([...body].reverse())]
}

test('data bindings: context.dataBinding calls the processor\'s bindings, results and errors', async () => {
  await withP('bindings:handler', async p => {
    const get = async path => {
      const r = await p.callWithBindings({ path }, undefined, miniBindings)
      assert.equal(r.kind, 'response', JSON.stringify(r.error))
      return JSON.parse(r.body)
    }
    assert.deepEqual(await get('/names'), {
      out: ['KafkaBinding', 'kafka'], q: ['PublishBinding', 'rabbitmq'], web: ['HttpBinding', 'http'], other: ['DataBinding', 'custom']
    })
    const early = await get('/early')
    assert.equal(early[1], 'notInEvent')
    assert.match(early[2], /initContext/)
    assert.equal(p.bindingCalls.length, 0, 'nothing sent outside an event')

    const sent = await p.callWithBindings({ path: '/send' }, 'the value', miniBindings)
    assert.deepEqual(JSON.parse(sent.body), { topic: 't1', offset: 1, value: 'the value' })
    assert.deepEqual(p.bindingCalls.at(-1)[0], { binding: 'out', operation: 'send', args: { topic: 't1', key: 'k1', headers: { h: 'v' } } })

    const parallel = await get('/parallel')
    assert.deepEqual(parallel.map(r => r.offset || r.op), [2, 3, 'publish'], 'several calls in flight, each answered by id')
    assert.deepEqual(JSON.parse(p.bindingCalls.at(-1)[1]), { j: 1 })

    assert.deepEqual(await get('/request'), { status: 201, body: 'got hi' })
    assert.deepEqual(p.bindingCalls.at(-1)[0].args, { method: 'POST', path: '/x', headers: { 'X-A': '1' } })
    assert.deepEqual(await get('/generic'), { result: { op: 'op', args: { n: 3 } }, body: [255, 0] })
    assert.deepEqual(await get('/fail'), ['BindingError', 'failed', 'topic nope does not exist', true])
    const raised = await p.callWithBindings({ path: '/fail-raises' }, undefined, miniBindings)
    assert.equal(raised.kind, 'error')
    assert.equal(raised.error.type, 'BindingError')
    assert.equal(raised.error.message, 'topic nope does not exist')

    const after = await p.callWithBindings({ path: '/after' }, undefined, miniBindings)
    assert.equal(after.body.toString(), 'answered')
    const log = await p.next()
    assert.equal(log.type, T.LOG)
    assert.equal(JSON.parse(log.payload).message, 'late: notInEvent', 'a call after the event was answered fails in the wrapper')
    assert.equal((await p.stop()).code, 0)
  }, BINDING_ENV)
})

test('data bindings: none without NUCLEON_DATA_BINDINGS; a result for no waiting call is a protocol error', async () => {
  await withP('bindings:handler', async p => {
    const r = await p.call({ path: '/names' })
    assert.deepEqual(JSON.parse(r.body), {})
  })
  await withP('bindings:handler', async p => {
    const fixed = Buffer.alloc(12)
    fixed.writeBigUInt64LE(77n, 0)
    fixed.writeUInt32LE(2, 8)
    p.write(frame(T.BINDING_RESULT, Buffer.concat([fixed, Buffer.from('{}')])))
    assert.equal((await p.exited).code, 2)
    assert.match(p.stderr, /BINDING_RESULT for call 77/)
  }, BINDING_ENV)
})
