'use strict'
// Nucleon wrapper for Node.js handlers (wrapper protocol version 1, docs/protocol.md).
//
// Run as `node nucleon-wrapper.js`; everything comes from the NUCLEON_* environment variables.
// Self-contained: no dependencies beyond Node.js (18+) itself. Transport: `uds` only.

const net = require('net')
const path = require('path')
const util = require('util')
const fs = require('fs')

const WRAPPER_VERSION = '0.1.0'
const PROTOCOL = 1
const DEFAULT_MAX_FRAME = 64 * 1024 * 1024

// frame types
const HELLO = 0x01
const INIT_FAILED = 0x02
const STOP = 0x03
const DOORBELL = 0x04
const EVENT = 0x10
const RESPONSE = 0x11
const ERROR = 0x12
const BINDING_RESULT = 0x13
const LOG = 0x20
const METRIC = 0x21
const BINDING_CALL = 0x22

// a response body larger than this is written separately from its header (no copy)
const INLINE_BODY_MAX = 16 * 1024
// caps on diagnostic text so that ERROR / LOG frames stay well within NUCLEON_MAX_FRAME
const TEXT_CAP = 256 * 1024

const TEXT_TYPE = 'text/plain; charset=utf-8'
const BINARY_TYPE = 'application/octet-stream'
const JSON_TYPE = 'application/json'

// precomputed RESPONSE meta for the common cases (no JSON.stringify on the hot path)
const META_EMPTY = Buffer.from('{}')
const META_TEXT = Buffer.from(JSON.stringify({ contentType: TEXT_TYPE }))
const META_BINARY = Buffer.from(JSON.stringify({ contentType: BINARY_TYPE }))
const META_JSON = Buffer.from(JSON.stringify({ contentType: JSON_TYPE }))
const EMPTY = Buffer.alloc(0)

const env = process.env
const socketPath = env.NUCLEON_SOCKET
const transport = env.NUCLEON_TRANSPORT || 'uds'
const codeDir = path.resolve(env.NUCLEON_CODE_DIR || process.cwd())
const handlerSpec = env.NUCLEON_HANDLER || ''
const workerId = parseInt(env.NUCLEON_WORKER_ID || '0', 10) || 0
const functionName = env.NUCLEON_FUNCTION_NAME || ''
const triggerKind = env.NUCLEON_TRIGGER_KIND || ''
const triggerName = env.NUCLEON_TRIGGER_NAME || ''
const maxFrame = parseMaxFrame(env.NUCLEON_MAX_FRAME)

function parseMaxFrame (s) {
  if (s === undefined || s === '') return DEFAULT_MAX_FRAME
  const n = Number(s)
  if (!Number.isInteger(n) || n < 64) {
    fatal(`NUCLEON_MAX_FRAME must be an integer of at least 64, got ${JSON.stringify(s)}`, 1)
  }
  return Math.min(n, 0xffffffff)
}

let socket = null
let stopping = false
let exiting = false

function fatal (message, code) {
  process.stderr.write(`nucleon-wrapper: ${message}\n`)
  process.exit(code)
}

// ---------------------------------------------------------------------------------------------
// writing frames

function writeFrame (type, payload) {
  const len = 1 + payload.length
  const buf = Buffer.allocUnsafe(4 + len)
  buf.writeUInt32LE(len, 0)
  buf[4] = type
  payload.copy(buf, 5)
  socket.write(buf)
}

function writeJsonFrame (type, obj) {
  writeFrame(type, Buffer.from(JSON.stringify(obj)))
}

function cap (s) {
  if (typeof s !== 'string') s = String(s)
  return s.length > TEXT_CAP ? s.slice(0, TEXT_CAP) + `... [${s.length - TEXT_CAP} more characters cut]` : s
}

// A JSON.stringify replacer that keeps LOG `with` values readable.
function logReplacer (key, value) {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return value
}

function sendLog (level, message, withObj) {
  if (socket === null || exiting) {
    process.stderr.write(`${level}: ${message}\n`)
    return
  }
  const record = { level, message: cap(message) }
  if (withObj !== undefined) record.with = withObj
  let json
  try {
    json = JSON.stringify(record, logReplacer)
  } catch (e) { // circular structure and the like
    record.with = { unserializable: cap(util.inspect(withObj, { depth: 4 })) }
    json = JSON.stringify(record)
  }
  let payload = Buffer.from(json)
  if (payload.length + 1 > maxFrame) {
    payload = Buffer.from(JSON.stringify({ level, message: cap(message).slice(0, Math.max(0, (maxFrame >> 2) - 128)) + ' [cut]' }))
  }
  writeFrame(LOG, payload)
}

function sendMetric (name, value) {
  if (typeof name !== 'string' || name === '') throw new TypeError('metric name must be a non-empty string')
  const rec = { name }
  if (value !== undefined && value !== null) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError('metric value must be a finite number')
    rec.value = value
  }
  writeJsonFrame(METRIC, rec)
}

// ---------------------------------------------------------------------------------------------
// the logger: Nuclio's API (debug/info/warn/error and *With) plus Nucleon's key/value style

function isPlainObject (v) {
  if (v === null || typeof v !== 'object') return false
  const p = Object.getPrototypeOf(v)
  return p === Object.prototype || p === null
}

// (message, 'k1', v1, 'k2', v2 [, error]) -> with-object, or undefined when args are not of that form
function keyValues (args) {
  let n = args.length
  let err
  if (n % 2 === 1) {
    if (!(args[n - 1] instanceof Error)) return undefined
    err = args[n - 1]
    n--
  }
  const out = {}
  for (let i = 0; i < n; i += 2) {
    if (typeof args[i] !== 'string') return undefined
    out[args[i]] = args[i + 1]
  }
  if (err !== undefined) out.error = err
  return out
}

function plainLog (level) {
  return function (message, ...args) {
    if (args.length === 0) {
      sendLog(level, typeof message === 'string' ? message : util.inspect(message))
      return
    }
    if (args.length === 1 && isPlainObject(args[0])) { // Nuclio: logger.info('msg', {k: v})
      sendLog(level, String(message), args[0])
      return
    }
    if (typeof message === 'string' && !message.includes('%')) {
      const kv = keyValues(args) // Nucleon: logger.info('msg', 'k', v, ...)
      if (kv !== undefined) {
        sendLog(level, message, kv)
        return
      }
    }
    sendLog(level, util.format(message, ...args))
  }
}

function withLog (level) {
  return function (message, ...args) {
    let withObj
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') withObj = args[0]
    else if (args.length > 0) withObj = keyValues(args) || { args }
    sendLog(level, typeof message === 'string' ? message : util.inspect(message), withObj)
  }
}

const logger = {
  debug: plainLog('debug'),
  info: plainLog('info'),
  warn: plainLog('warn'),
  error: plainLog('error'),
  debugWith: withLog('debug'),
  infoWith: withLog('info'),
  warnWith: withLog('warn'),
  errorWith: withLog('error')
}
logger.warning = logger.warn
logger.warningWith = logger.warnWith

// ---------------------------------------------------------------------------------------------
// Response (Nuclio-compatible: new context.Response(body, headers, contentType, statusCode))

function Response (body = null, headers = null, contentType = null, statusCode = 200, bodyEncoding = 'text') {
  if (!(this instanceof Response)) return new Response(body, headers, contentType, statusCode, bodyEncoding)
  this.body = body
  this.headers = headers
  this.content_type = contentType
  this.status_code = statusCode
  this.body_encoding = bodyEncoding
}
Object.defineProperties(Response.prototype, {
  statusCode: { get () { return this.status_code }, set (v) { this.status_code = v } },
  contentType: { get () { return this.content_type }, set (v) { this.content_type = v } }
})

// ---------------------------------------------------------------------------------------------
// the event handed to the handler: Nuclio's field names, meta parsed lazily on first access

function parseMeta (buf) {
  if (buf.length === 0) return {}
  const m = JSON.parse(buf.toString('utf8'))
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TypeError('EVENT meta is not a JSON object')
  return m
}

class Event {
  constructor (metaBuf, body) {
    this.body = body
    this._metaBuf = metaBuf
    this._meta = null
    this._ts = null
    this._trigger = null
  }

  _m () {
    let m = this._meta
    if (m === null) m = this._meta = parseMeta(this._metaBuf)
    return m
  }

  _s (key) { const v = this._m()[key]; return v === undefined || v === null ? '' : v }
  _n (key) { const v = this._m()[key]; return typeof v === 'number' ? v : 0 }
  _o (key) {
    const m = this._m()
    let v = m[key]
    if (v === undefined || v === null) v = m[key] = {}
    return v
  }

  get id () { return this._s('id') }
  get method () { return this._s('method') }
  get path () { return this._s('path') }
  get url () { return this._s('url') }
  get contentType () { return this._s('contentType') }
  get content_type () { return this._s('contentType') } // eslint-disable-line camelcase
  get 'content-type' () { return this._s('contentType') }
  get headers () { return this._o('headers') }
  get fields () { return this._o('fields') }
  get size () { return this.body ? this.body.length : 0 }
  get timestamp () {
    if (this._ts === null) {
      const t = this._m().timestamp
      this._ts = new Date(typeof t === 'number' ? t : Date.now())
    }
    return this._ts
  }

  get trigger () {
    if (this._trigger === null) {
      this._trigger = { kind: this._s('triggerKind'), name: this._s('triggerName'), class: this._s('triggerClass') }
    }
    return this._trigger
  }

  get shardId () { return this._n('shardId') }
  get shard_id () { return this._n('shardId') } // eslint-disable-line camelcase
  get numShards () { return this._n('totalShards') }
  get num_shards () { return this._n('totalShards') } // eslint-disable-line camelcase
  get totalShards () { return this._n('totalShards') }
  get offset () { return this._n('offset') }
  get topic () { return this._s('topic') }
  get type () { return this._s('type') }
  get typeVersion () { return this._s('typeVersion') }
  get type_version () { return this._s('typeVersion') } // eslint-disable-line camelcase
  get version () { return this._s('version') }
  get source () { return this._s('source') }
  get meta () { return this._m() }

  toJSON () {
    return {
      id: this.id,
      trigger: this.trigger,
      method: this.method,
      path: this.path,
      url: this.url,
      content_type: this.contentType,
      headers: this.headers,
      fields: this.fields,
      timestamp: this.timestamp,
      shard_id: this.shardId,
      num_shards: this.numShards,
      offset: this.offset,
      topic: this.topic,
      type: this.type,
      type_version: this.typeVersion,
      version: this.version,
      size: this.size,
      body: Buffer.isBuffer(this.body) ? this.body.toString('utf8') : this.body
    }
  }
}
Event.prototype[util.inspect.custom] = function () { return this.toJSON() }

// ---------------------------------------------------------------------------------------------
// data bindings (docs/protocol.md, "Binding calls"): context.dataBinding.<name>, a client per
// binding of NUCLEON_DATA_BINDINGS; each call is a promise of the processor's BINDING_RESULT

class BindingError extends Error {
  constructor (code, message) {
    super(message)
    this.name = 'BindingError'
    this.code = code
  }
}

const calls = new Map() // call id -> { resolve, reject } of the calls waiting for their result
let lastCallId = 0

function payloadBytes (body) {
  if (body === undefined || body === null) return EMPTY
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (Buffer.isBuffer(body)) return body
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  if (typeof body === 'object') return Buffer.from(JSON.stringify(body))
  throw new BindingError('badArguments', `a binding call's body must be a Buffer, string or object, not ${typeof body}`)
}

function bindingCall (binding, operation, args, body) {
  return new Promise((resolve, reject) => {
    if (current === null) {
      throw new BindingError('notInEvent', `data binding '${binding}' was called outside an event: bindings can be called only while the handler handles an event (not in initContext, not after the event was answered)`)
    }
    const clean = {}
    for (const [k, v] of Object.entries(args || {})) if (v !== undefined && v !== null) clean[k] = v
    const data = payloadBytes(body)
    const meta = Buffer.from(JSON.stringify({ binding, operation, args: clean }))
    const len = 13 + meta.length + data.length
    if (len > maxFrame) {
      throw new BindingError('badArguments', `the call of '${operation}' of binding '${binding}' would be a ${len}-byte frame, more than NUCLEON_MAX_FRAME (${maxFrame})`)
    }
    const id = ++lastCallId
    const head = Buffer.allocUnsafe(17 + meta.length)
    head.writeUInt32LE(len, 0)
    head[4] = BINDING_CALL
    head.writeUInt32LE(id % 0x100000000, 5)
    head.writeUInt32LE(Math.floor(id / 0x100000000), 9)
    head.writeUInt32LE(meta.length, 13)
    meta.copy(head, 17)
    calls.set(id, { resolve, reject })
    socket.cork()
    socket.write(head)
    if (data.length > 0) socket.write(data)
    socket.uncork()
  })
}

function onBindingResult (payload) {
  if (payload.length < 12) protocolError(`BINDING_RESULT payload of ${payload.length} bytes is shorter than 12`)
  const id = payload.readUInt32LE(4) * 0x100000000 + payload.readUInt32LE(0)
  const metaLen = payload.readUInt32LE(8)
  if (metaLen > payload.length - 12) protocolError(`BINDING_RESULT metaLength ${metaLen} exceeds its payload`)
  const waiting = calls.get(id)
  if (waiting === undefined) protocolError(`BINDING_RESULT for call ${id}, which is not waiting`)
  calls.delete(id)
  let meta
  try {
    meta = JSON.parse(payload.toString('utf8', 12, 12 + metaLen))
  } catch (e) {
    protocolError(`the BINDING_RESULT meta is not valid JSON: ${e.message}`)
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) protocolError('the BINDING_RESULT meta is not a JSON object')
  if (meta.ok) {
    waiting.resolve({ result: meta.result === undefined ? null : meta.result, body: Buffer.from(payload.subarray(12 + metaLen)) })
  } else {
    waiting.reject(new BindingError(String(meta.error || 'failed'), String(meta.message || 'the binding call failed')))
  }
}

class DataBinding {
  constructor (name, kind) {
    this.name = name
    this.kind = kind
  }

  // any operation: resolves to { result, body }
  call (operation, body, args) {
    return bindingCall(this.name, operation, args, body)
  }
}

class KafkaBinding extends DataBinding {
  // resolves to { topic, partition, offset, timestamp } once the broker acknowledged the record
  async send (value, { topic, key, headers, partition } = {}) {
    return (await this.call('send', value, { topic, key, headers, partition })).result
  }
}

class PublishBinding extends DataBinding { // rabbitmq, mqtt, nats
  async publish (body, args = {}) {
    return (await this.call('publish', body, args)).result
  }
}

class HttpBinding extends DataBinding {
  // resolves to { status, headers, body } whatever the status
  async request (method = 'GET', path = '', { body, headers } = {}) {
    const r = await this.call('request', body, { method, path, headers })
    return Object.assign({}, r.result, { body: r.body })
  }
}

const BINDING_CLASSES = { kafka: KafkaBinding, rabbitmq: PublishBinding, mqtt: PublishBinding, nats: PublishBinding, http: HttpBinding }

function dataBindings () {
  const out = {}
  let kinds
  try {
    kinds = JSON.parse(env.NUCLEON_DATA_BINDINGS || '{}')
  } catch (e) {
    fatal(`NUCLEON_DATA_BINDINGS is not JSON: ${e.message}`, 1)
  }
  for (const [name, kind] of Object.entries(kinds)) {
    const C = BINDING_CLASSES[kind] || DataBinding
    out[name] = new C(name, kind)
  }
  return Object.freeze(out)
}

// ---------------------------------------------------------------------------------------------
// the context: one per worker (`base`), seen through a thin per-event object that carries the
// event's own `callback`, so a late callback can never answer a later event

const userDataBox = { value: {} }
const bindingClients = dataBindings()

const base = {
  get userData () { return userDataBox.value },
  set userData (v) { userDataBox.value = v },
  workerId,
  worker_id: workerId,
  functionName,
  function_name: functionName,
  triggerKind,
  triggerName,
  trigger: { kind: triggerKind, name: triggerName },
  logger,
  Response,
  env (name) { const v = process.env[name]; return v === undefined ? null : v },
  dataBinding: bindingClients,
  data_binding: bindingClients, // the Python spelling, for handlers ported from it
  BindingError,
  metric: sendMetric,
  callback () {
    logger.warn('context.callback called outside of an event (e.g. in initContext); ignored')
  },
  // the very old Nuclio names
  log_debug: logger.debug,
  log_info: logger.info,
  log_warn: logger.warn,
  log_error: logger.error,
  log_debug_with: logger.debugWith,
  log_info_with: logger.infoWith,
  log_warn_with: logger.warnWith,
  log_error_with: logger.errorWith
}

function EventContext (tok) {
  this.callback = function callback (value) { answer(tok, value, 'context.callback') }
}
EventContext.prototype = base

// ---------------------------------------------------------------------------------------------
// answering events

class Pending {
  constructor (lo, hi) {
    this.lo = lo
    this.hi = hi
    this.done = false
  }

  get seq () { return this.hi * 0x100000000 + this.lo }
}

let current = null // the Pending event in flight
const queue = [] // frames that arrived while an event was in flight
let draining = false
let handlerFn = null

function finish (tok) {
  tok.done = true
  if (current === tok) current = null
  drain()
}

function drain () {
  if (draining) return
  draining = true
  try {
    while (current === null && queue.length > 0 && !stopping) {
      const f = queue.shift()
      handleFrame(f[0], f[1])
    }
  } finally {
    draining = false
  }
  if (current === null && stopping) shutdown(0)
}

function lateAnswer (tok, how) {
  logger.warn(`${how} gave an answer for an event that was already answered; ignored`, 'seq', tok.seq)
}

function writeResponse (tok, meta, body) {
  const bodyLen = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length
  const len = 13 + meta.length + bodyLen
  if (len > maxFrame) {
    writeError(tok, {
      message: `response too large: its frame would be ${len} bytes, more than NUCLEON_MAX_FRAME (${maxFrame}); body ${bodyLen} bytes`,
      type: 'ResponseTooLarge'
    })
    return
  }
  const headLen = 17 + meta.length
  if (bodyLen <= INLINE_BODY_MAX) {
    const buf = Buffer.allocUnsafe(headLen + bodyLen)
    buf.writeUInt32LE(len, 0)
    buf[4] = RESPONSE
    buf.writeUInt32LE(tok.lo, 5)
    buf.writeUInt32LE(tok.hi, 9)
    buf.writeUInt32LE(meta.length, 13)
    meta.copy(buf, 17)
    if (bodyLen > 0) {
      if (typeof body === 'string') buf.write(body, headLen, bodyLen, 'utf8')
      else body.copy(buf, headLen)
    }
    socket.write(buf)
  } else {
    const head = Buffer.allocUnsafe(headLen)
    head.writeUInt32LE(len, 0)
    head[4] = RESPONSE
    head.writeUInt32LE(tok.lo, 5)
    head.writeUInt32LE(tok.hi, 9)
    head.writeUInt32LE(meta.length, 13)
    meta.copy(head, 17)
    socket.cork()
    socket.write(head)
    socket.write(body)
    socket.uncork()
  }
}

function writeError (tok, obj) {
  let json = Buffer.from(JSON.stringify(obj))
  if (13 + json.length > maxFrame) {
    json = Buffer.from(JSON.stringify({ message: String(obj.message).slice(0, Math.max(16, (maxFrame >> 2) - 64)), type: obj.type }))
  }
  const len = 9 + json.length
  const buf = Buffer.allocUnsafe(4 + len)
  buf.writeUInt32LE(len, 0)
  buf[4] = ERROR
  buf.writeUInt32LE(tok.lo, 5)
  buf.writeUInt32LE(tok.hi, 9)
  json.copy(buf, 13)
  socket.write(buf)
}

function describeError (err, prefix) {
  const out = {}
  if (err instanceof Error) {
    out.message = cap((prefix || '') + (err.message || String(err)))
    out.type = err.name || (err.constructor && err.constructor.name) || 'Error'
    let tb = typeof err.stack === 'string' ? err.stack : ''
    if (err.cause !== undefined) tb += '\nCaused by: ' + (err.cause instanceof Error ? err.cause.stack : util.inspect(err.cause))
    if (tb) out.traceback = cap(tb)
  } else {
    out.message = cap((prefix || '') + (typeof err === 'string' ? err : util.inspect(err)))
    out.type = err === null ? 'null' : typeof err
  }
  return out
}

function failEvent (tok, err, prefix) {
  if (tok.done) {
    logger.error('handler failed after its event was answered: ' + describeError(err).message, 'seq', tok.seq,
      'traceback', err instanceof Error ? err.stack : undefined)
    return
  }
  writeError(tok, describeError(err, prefix))
  finish(tok)
}

function headersJson (h) {
  if (h === null || h === undefined || typeof h !== 'object') return undefined
  const out = {}
  let any = false
  const entries = h instanceof Map ? h.entries() : Object.entries(h)
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue
    out[k] = Array.isArray(v) ? v.join(', ') : String(v)
    any = true
  }
  return any ? out : undefined
}

function isStatusReply (v) { // Nuclio's [status, body]
  return v.length === 2 && Number.isInteger(v[0]) && v[0] >= 100 && v[0] <= 599
}

// value -> [metaBuf, body(Buffer|string)]; throws for what cannot be encoded
function encodeValue (v, status, headers, contentType) {
  let body
  let type
  if (v === undefined || v === null) {
    body = EMPTY
  } else if (typeof v === 'string') {
    body = v
    type = TEXT_TYPE
  } else if (Buffer.isBuffer(v)) {
    body = v
    type = BINARY_TYPE
  } else if (ArrayBuffer.isView(v)) {
    body = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    type = BINARY_TYPE
  } else if (v instanceof ArrayBuffer) {
    body = Buffer.from(v)
    type = BINARY_TYPE
  } else if (v instanceof String) {
    body = v.toString()
    type = TEXT_TYPE
  } else {
    body = JSON.stringify(v)
    if (typeof body !== 'string') throw new TypeError(`cannot encode a value of type ${typeof v} as a response`)
    type = JSON_TYPE
    if (contentType === 'text/plain') contentType = undefined // Nuclio's Response forces JSON for objects
  }
  if (contentType !== undefined && contentType !== null && contentType !== '') type = String(contentType)
  if (status === 200 && headers === undefined) {
    if (type === undefined) return [META_EMPTY, body]
    if (type === TEXT_TYPE) return [META_TEXT, body]
    if (type === BINARY_TYPE) return [META_BINARY, body]
    if (type === JSON_TYPE) return [META_JSON, body]
  }
  const meta = {}
  if (status !== 200) meta.status = status
  if (type !== undefined) meta.contentType = type
  if (headers !== undefined) meta.headers = headers
  return [Buffer.from(JSON.stringify(meta)), body]
}

function encodeAnswer (v) {
  if (typeof v === 'string') return [META_TEXT, v] // the hot paths first
  if (Buffer.isBuffer(v)) return [META_BINARY, v]
  if (v instanceof Response) {
    const status = Number(v.status_code === undefined || v.status_code === null ? 200 : v.status_code)
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new TypeError(`invalid response status ${util.inspect(v.status_code)}`)
    let body = v.body
    if (v.body_encoding === 'base64' && typeof body === 'string') body = Buffer.from(body, 'base64')
    return encodeValue(body, status, headersJson(v.headers), v.content_type)
  }
  if (Array.isArray(v) && isStatusReply(v)) return encodeValue(v[1], v[0], undefined, undefined)
  return encodeValue(v, 200, undefined, undefined)
}

function answer (tok, value, how) {
  if (tok.done) {
    lateAnswer(tok, how)
    return
  }
  let enc
  try {
    enc = encodeAnswer(value)
  } catch (e) {
    failEvent(tok, e, 'cannot encode the handler\'s answer: ')
    return
  }
  writeResponse(tok, enc[0], enc[1])
  finish(tok)
}

function runEvent (payload) {
  if (payload.length < 12) protocolError(`EVENT payload of ${payload.length} bytes is shorter than 12`)
  const lo = payload.readUInt32LE(0)
  const hi = payload.readUInt32LE(4)
  const metaLen = payload.readUInt32LE(8)
  if (metaLen > payload.length - 12) protocolError(`EVENT metaLength ${metaLen} exceeds its payload (${payload.length - 12} bytes)`)
  const tok = new Pending(lo, hi)
  current = tok
  const event = new Event(payload.subarray(12, 12 + metaLen), payload.subarray(12 + metaLen))
  const ctx = new EventContext(tok)
  let ret
  try {
    ret = handlerFn(ctx, event)
  } catch (e) {
    failEvent(tok, e)
    return
  }
  if (ret === undefined) return // answered through context.callback (now or later)
  if (ret !== null && typeof ret.then === 'function') {
    ret.then(
      v => {
        if (v === undefined) { // async function without a return value: empty answer unless already given
          if (!tok.done) answer(tok, null, 'the returned promise')
        } else {
          answer(tok, v, 'the returned promise')
        }
      },
      e => failEvent(tok, e)
    )
    return
  }
  answer(tok, ret, 'the return value')
}

// ---------------------------------------------------------------------------------------------
// reading frames

function protocolError (message) {
  exiting = true
  process.stderr.write(`nucleon-wrapper: protocol error: ${message}; exiting\n`)
  process.exit(2)
}

function checkLength (len) {
  if (len === 0 || len > maxFrame) {
    protocolError(`received a frame length of ${len} bytes (must be 1..${maxFrame}, NUCLEON_MAX_FRAME)`)
  }
}

function onFrame (type, payload) {
  if (type === EVENT || type === STOP) {
    if (current !== null || queue.length > 0 || draining) {
      queue.push([type, payload])
      if (!draining && current === null) drain()
    } else {
      handleFrame(type, payload)
    }
    return
  }
  if (type === BINDING_RESULT) {
    onBindingResult(payload)
    return
  }
  if (type === DOORBELL) return // meaningless without shm; harmless
  if (type >= 0x40 && type <= 0x7f) return // ignorable
  protocolError(`unexpected frame type 0x${type.toString(16).padStart(2, '0')}`)
}

function handleFrame (type, payload) {
  if (stopping) return // after STOP, run nothing else
  if (type === STOP) {
    stopping = true
    if (current === null) shutdown(0)
    return
  }
  runEvent(payload)
}

// Incoming bytes. Whole frames inside one chunk are handed on as zero-copy views of it; a frame
// spread over several chunks is gathered by reference and copied once, when it is complete.
let pending = [] // chunks of an incomplete frame
let pendingBytes = 0
let needBytes = -1 // 4 + length of the incomplete frame, once known

// The answers a chunk's events get at once go out in one write: the socket is corked while the chunk
// is parsed (a chunk holds several events when the processor sends events ahead, docs/protocol.md 4).
function onData (chunk) {
  socket.cork()
  try {
    readChunk(chunk)
  } finally {
    if (!socket.destroyed) socket.uncork()
  }
}

function readChunk (chunk) {
  if (pendingBytes === 0) {
    parseChunk(chunk)
    return
  }
  pending.push(chunk)
  pendingBytes += chunk.length
  if (needBytes < 0) {
    if (pendingBytes < 4) return
    const first = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes) // < 4 bytes ahead of this chunk
    if (pending.length !== 1) pending = [first]
    const len = first.readUInt32LE(0)
    checkLength(len)
    needBytes = 4 + len
  }
  if (pendingBytes < needBytes) return
  const all = Buffer.concat(pending, pendingBytes)
  pending = []
  pendingBytes = 0
  needBytes = -1
  parseChunk(all)
}

function parseChunk (buf) {
  let off = 0
  const n = buf.length
  while (n - off >= 4) {
    const len = buf.readUInt32LE(off)
    checkLength(len)
    if (n - off - 4 < len) {
      needBytes = 4 + len
      break
    }
    const start = off + 4
    off = start + len
    onFrame(buf[start], buf.subarray(start + 1, off))
    if (exiting) return
  }
  if (off < n) {
    const rest = off === 0 ? buf : buf.subarray(off)
    pending.push(rest)
    pendingBytes = rest.length
  }
}

// ---------------------------------------------------------------------------------------------
// start-up and shut-down

function shutdown (code) {
  if (exiting) return
  exiting = true
  const timer = setTimeout(() => process.exit(code), 3000)
  if (socket === null || socket.destroyed) {
    clearTimeout(timer)
    process.exit(code)
  }
  socket.removeAllListeners('data')
  socket.end(() => process.exit(code))
}

function initFailed (err, prefix) {
  const d = describeError(err, prefix)
  process.stderr.write(`nucleon-wrapper: initialisation failed: ${d.message}\n${d.traceback || ''}\n`)
  const rec = { message: d.message }
  if (d.traceback) rec.traceback = d.traceback
  try {
    writeJsonFrame(INIT_FAILED, rec)
  } catch (e) { /* socket gone: the exit status says it */ }
  shutdown(1)
}

function splitHandler (spec) {
  const i = spec.lastIndexOf(':')
  const file = i >= 0 ? spec.slice(0, i) : spec
  const fn = i >= 0 ? spec.slice(i + 1) : 'handler'
  if (file === '') throw new Error(`NUCLEON_HANDLER ${JSON.stringify(spec)} names no file (expected file:function)`)
  return [file, fn || 'handler']
}

async function loadModule (file) {
  const abs = path.resolve(codeDir, file)
  let resolved
  try {
    resolved = require.resolve(abs)
  } catch (e) {
    if (!fs.existsSync(abs + '.mjs')) {
      throw new Error(`cannot find the handler file ${JSON.stringify(file)} in ${codeDir} (tried ${abs} with .js, .json, .node, /index.js and .mjs)`)
    }
    resolved = abs + '.mjs'
  }
  const { pathToFileURL } = require('url')
  if (resolved.endsWith('.mjs')) return import(pathToFileURL(resolved).href)
  try {
    return require(resolved)
  } catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) return import(pathToFileURL(resolved).href)
    throw e
  }
}

function pick (mod, name) {
  if (mod === null || mod === undefined) return undefined
  let v = mod[name]
  if (v === undefined && mod.default !== null && typeof mod.default === 'object') v = mod.default[name]
  return v
}

async function start () {
  if (env.NUCLEON_PROTOCOL !== undefined && env.NUCLEON_PROTOCOL !== '' && parseInt(env.NUCLEON_PROTOCOL, 10) !== PROTOCOL) {
    throw new Error(`this wrapper speaks protocol ${PROTOCOL}, the processor asked for ${env.NUCLEON_PROTOCOL}`)
  }
  if (transport !== 'uds') {
    throw new Error(`NUCLEON_TRANSPORT=${transport} is not supported by the Node.js wrapper: it has only the \`uds\` transport (Node.js cannot map shared memory without a native add-on); use transport: uds`)
  }
  const [file, fnName] = splitHandler(handlerSpec)
  const mod = await loadModule(file)
  const fn = pick(mod, fnName)
  if (typeof fn !== 'function') {
    const names = mod && typeof mod === 'object' ? Object.keys(mod).join(', ') : typeof mod
    throw new Error(`handler file ${JSON.stringify(file)} exports no function ${JSON.stringify(fnName)} (it exports: ${names || 'nothing'})`)
  }
  const init = pick(mod, 'initContext')
  if (typeof init === 'function') await init(base)
  handlerFn = fn
}

function main () {
  if (!socketPath) fatal('NUCLEON_SOCKET is not set', 1)
  socket = net.createConnection(socketPath)
  let connected = false
  socket.on('error', e => {
    if (exiting) return
    exiting = true
    process.stderr.write(`nucleon-wrapper: ${connected ? 'socket error' : 'cannot connect to ' + socketPath}: ${e.message}\n`)
    process.exit(1)
  })
  socket.on('end', () => {
    if (exiting) return
    exiting = true
    process.stderr.write('nucleon-wrapper: the processor closed the socket; exiting\n')
    process.exit(1)
  })
  socket.on('connect', () => {
    connected = true
    start().then(() => {
      if (exiting) return
      writeJsonFrame(HELLO, {
        protocol: PROTOCOL,
        wrapper: 'nucleon-node',
        wrapperVersion: WRAPPER_VERSION,
        language: 'nodejs',
        languageVersion: process.versions.node,
        pid: process.pid
      })
      socket.on('data', onData)
    }, err => initFailed(err))
  })
}

process.on('uncaughtException', err => {
  const d = describeError(err)
  process.stderr.write(`nucleon-wrapper: uncaught exception: ${d.message}\n${d.traceback || ''}\n`)
  if (exiting || socket === null) process.exit(1)
  try {
    if (current !== null && !current.done) {
      const tok = current
      tok.done = true
      writeError(tok, describeError(err, 'uncaught exception: '))
    } else {
      sendLog('error', 'uncaught exception: ' + d.message, { traceback: d.traceback })
    }
  } catch (_) { /* ignore */ }
  shutdown(1)
})

process.on('unhandledRejection', err => {
  const d = describeError(err)
  sendLog('error', 'unhandled promise rejection: ' + d.message, d.traceback ? { traceback: d.traceback } : undefined)
})

main()
