#!/usr/bin/env node
// Test webhook receiver for the `webhooks` PostgreSQL extension.
//
// A real HTTP(S) server, bound to a loopback address only, that records every
// request it gets and answers it the way the test configured for that path.
// Signatures are verified with the `standardwebhooks` npm package (an
// independent implementation of Standard Webhooks), never with our own HMAC.
//
// Usage: node receiver.js --port N [--host 127.0.0.1] [--log FILE]
//          [--tls-cert C --tls-key K] [--pidfile F] [--max-records N]
// See README.md for the control API.
'use strict';

const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const { Webhook } = require('standardwebhooks');

// ---------------------------------------------------------------- options

function usage(msg) {
  if (msg) process.stderr.write(`receiver: ${msg}\n`);
  process.stderr.write(
    'usage: node receiver.js --port N [--host 127.0.0.1|::1] [--log FILE]\n' +
    '         [--tls-cert CERT --tls-key KEY] [--pidfile FILE] [--max-records N]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { port: null, host: '127.0.0.1', log: null, tlsCert: null, tlsKey: null,
              pidfile: null, maxRecords: 200000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const val = () => {
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (name) {
      case '--port': o.port = val(); break;
      case '--host': o.host = val(); break;
      case '--log': o.log = val(); break;
      case '--tls-cert': o.tlsCert = val(); break;
      case '--tls-key': o.tlsKey = val(); break;
      case '--pidfile': o.pidfile = val(); break;
      case '--max-records': o.maxRecords = val(); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.port === null) usage('--port is required (0 picks a free port)');
  if (!/^\d+$/.test(String(o.port)) || Number(o.port) > 65535) usage(`bad port ${o.port}`);
  o.port = Number(o.port);
  if (!/^\d+$/.test(String(o.maxRecords))) usage(`bad --max-records ${o.maxRecords}`);
  o.maxRecords = Number(o.maxRecords);
  if ((o.tlsCert === null) !== (o.tlsKey === null)) usage('--tls-cert and --tls-key go together');
  if (o.host.startsWith('[') && o.host.endsWith(']')) o.host = o.host.slice(1, -1);
  if (!isLoopback(o.host)) usage(`refusing to bind ${o.host}: only 127.0.0.0/8 or ::1`);
  return o;
}

function isLoopback(host) {
  const v = net.isIP(host);
  if (v === 4) return host.split('.')[0] === '127';
  if (v === 6) {
    // ::1 in any spelling (e.g. 0:0:0:0:0:0:0:1)
    try { return new net.SocketAddress({ address: host, family: 'ipv6' }).address === '::1'; }
    catch (_) { return false; }
  }
  return false;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- state

const now = () => performance.timeOrigin + performance.now();

let behaviours = new Map();          // key ("/x", "/x/*", "*") -> normalized behaviour
let records = [];                    // stored records, seq ascending
let recStart = 0;                    // index of the first live record in `records`
let evicted = 0;                     // records dropped because of --max-records
let nextSeq = 1;
let counters = new Map();            // pathname -> {count, verified, failedVerification, unverified, outcomes}
const hung = new Set();              // responses held open (hangForever / timeout outcome)
const waiters = new Set();           // pending /_control/wait calls
let logStream = null;
if (opts.log) {
  logStream = fs.createWriteStream(opts.log, { flags: 'a' });
  logStream.on('error', (e) => { process.stderr.write(`receiver: log: ${e.message}\n`); });
}

const BEHAVIOUR_FIELDS = new Set(['path', 'status', 'delayMs', 'drop', 'body', 'headers', 'secret',
  'hangForever', 'retryAfter', 'failRate', 'timeoutRate', 'dropRate', 'redirectTo', 'garbage',
  'hugeBodyBytes', 'seed', 'close', 'midBody', 'stallAfterHeaders', 'bodyBase64',
  'failFirst']);

// Validate a behaviour as posted; returns the normalized object or throws.
function normalizeBehaviour(b) {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new Error('behaviour must be an object');
  for (const k of Object.keys(b)) if (!BEHAVIOUR_FIELDS.has(k)) throw new Error(`unknown behaviour field ${k}`);
  if (typeof b.path !== 'string' || !(b.path === '*' || b.path.startsWith('/')))
    throw new Error('path must be "*" or start with "/"');
  if (b.path.startsWith('/_control')) throw new Error('cannot configure /_control');
  const n = { path: b.path };
  const num = (k, def, min, max) => {
    if (b[k] === undefined || b[k] === null) return def;
    if (typeof b[k] !== 'number' || !Number.isFinite(b[k]) || b[k] < min || b[k] > max)
      throw new Error(`${k} must be a number in [${min}, ${max}]`);
    return b[k];
  };
  const bool = (k) => {
    if (b[k] === undefined || b[k] === null) return false;
    if (typeof b[k] !== 'boolean') throw new Error(`${k} must be a boolean`);
    return b[k];
  };
  n.status = num('status', 200, 100, 999);
  if (!Number.isInteger(n.status)) throw new Error('status must be an integer');
  n.delayMs = num('delayMs', 0, 0, 2147483647);
  n.failRate = num('failRate', 0, 0, 1);
  n.timeoutRate = num('timeoutRate', 0, 0, 1);
  n.dropRate = num('dropRate', 0, 0, 1);
  n.failFirst = num('failFirst', 0, 0, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(n.failFirst)) throw new Error('failFirst must be an integer');
  n.failedFirst = 0;
  if (n.failRate + n.timeoutRate + n.dropRate > 1) throw new Error('failRate + timeoutRate + dropRate must be <= 1');
  n.hugeBodyBytes = num('hugeBodyBytes', null, 0, Number.MAX_SAFE_INTEGER);
  n.drop = bool('drop');
  n.hangForever = bool('hangForever');
  n.garbage = bool('garbage');
  n.midBody = bool('midBody');
  n.stallAfterHeaders = bool('stallAfterHeaders');
  n.close = bool('close');
  if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') throw new Error('body must be a string');
  n.body = b.body ?? 'ok';
  n.bodyBuf = Buffer.from(n.body);
  // bodyBase64: the answer's body as raw bytes (invalid UTF-8, NULs), instead of body
  n.bodyBase64 = null;
  if (b.bodyBase64 !== undefined && b.bodyBase64 !== null) {
    if (typeof b.bodyBase64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b.bodyBase64))
      throw new Error('bodyBase64 must be a base64 string');
    if (b.body !== undefined && b.body !== null) throw new Error('body and bodyBase64 exclude each other');
    n.bodyBase64 = b.bodyBase64;
    n.bodyBuf = Buffer.from(b.bodyBase64, 'base64');
  }
  n.headers = {};
  if (b.headers !== undefined && b.headers !== null) {
    if (typeof b.headers !== 'object' || Array.isArray(b.headers)) throw new Error('headers must be an object');
    for (const [k, v] of Object.entries(b.headers)) {
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
        throw new Error(`header ${k} must be a string or an array of strings`);
      n.headers[k] = v;
    }
  }
  if (b.retryAfter !== undefined && b.retryAfter !== null) {
    if (typeof b.retryAfter !== 'string' && typeof b.retryAfter !== 'number') throw new Error('retryAfter must be a string');
    n.retryAfter = String(b.retryAfter);
  } else n.retryAfter = null;
  if (b.redirectTo !== undefined && b.redirectTo !== null) {
    if (typeof b.redirectTo !== 'string') throw new Error('redirectTo must be a string');
    n.redirectTo = b.redirectTo;
  } else n.redirectTo = null;
  // secret: string or array of strings; absent = inherit from a less specific
  // behaviour; null = no secret (do not inherit).
  n.hasSecret = Object.prototype.hasOwnProperty.call(b, 'secret');
  n.secret = n.hasSecret ? b.secret : undefined;
  n.verifiers = null;
  if (n.hasSecret && n.secret !== null) {
    const list = Array.isArray(n.secret) ? n.secret : [n.secret];
    if (list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0))
      throw new Error('secret must be a non-empty string or an array of them');
    n.verifiers = list.map(makeVerifier);
  }
  if (b.seed !== undefined && b.seed !== null) {
    if (!Number.isInteger(b.seed)) throw new Error('seed must be an integer');
    n.seed = b.seed;
    n.random = mulberry32(b.seed);
  } else {
    n.seed = null;
    n.random = Math.random;
  }
  return n;
}

// A Standard Webhooks verifier for one configured secret.
//   "whsec_<base64>": passed to the package as is (it strips the prefix and
//                     base64-decodes the rest).
//   anything else:    the secret's raw UTF-8 bytes are the HMAC key; passed as
//                     a Uint8Array with the package's { format: "raw" } option.
function makeVerifier(secret) {
  try {
    if (secret.startsWith('whsec_')) return new Webhook(secret);
    return new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
  } catch (e) {
    throw new Error(`secret rejected by standardwebhooks: ${e.message}`);
  }
}

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function publicBehaviour(n) {
  const o = { path: n.path, status: n.status, delayMs: n.delayMs, drop: n.drop, body: n.body,
    headers: n.headers, hangForever: n.hangForever, retryAfter: n.retryAfter, failRate: n.failRate,
    timeoutRate: n.timeoutRate, dropRate: n.dropRate, redirectTo: n.redirectTo, garbage: n.garbage,
    hugeBodyBytes: n.hugeBodyBytes, seed: n.seed, close: n.close, midBody: n.midBody,
    stallAfterHeaders: n.stallAfterHeaders, bodyBase64: n.bodyBase64, failFirst: n.failFirst };
  if (n.hasSecret) o.secret = n.secret;
  return o;
}

const DEFAULT_BEHAVIOUR = normalizeBehaviour({ path: '*' });

// Behaviours that apply to a pathname, most specific first:
// exact "/x", then prefix patterns "/x*" / "/x/*" (longest first), then "*".
function candidates(pathname) {
  const out = [];
  const exact = behaviours.get(pathname);
  if (exact) out.push(exact);
  let prefixes = null;
  for (const [k, v] of behaviours) {
    if (k.length > 1 && k.endsWith('*') && pathname.startsWith(k.slice(0, -1))) {
      (prefixes ||= []).push(v);
    }
  }
  if (prefixes) {
    prefixes.sort((a, b) => b.path.length - a.path.length);
    out.push(...prefixes);
  }
  const star = behaviours.get('*');
  if (star) out.push(star);
  return out;
}

function resolve(pathname) {
  if (behaviours.size === 0) return { b: DEFAULT_BEHAVIOUR, verifiers: null };
  const c = candidates(pathname);
  const b = c.length ? c[0] : DEFAULT_BEHAVIOUR;
  let verifiers = null;
  for (const x of c) {
    if (x.hasSecret) { verifiers = x.verifiers; break; }
  }
  return { b, verifiers };
}

// ---------------------------------------------------------------- recording

function collectHeaders(raw) {
  const h = {};
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    const v = raw[i + 1];
    const prev = h[k];
    if (prev === undefined) h[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else h[k] = [prev, v];
  }
  return h;
}

const first = (v) => (Array.isArray(v) ? v[0] : v);

function verify(verifiers, body, headers) {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  let sig = headers['webhook-signature'];
  if (!verifiers) return { verified: null, verifyError: null };
  if (id === undefined && ts === undefined && sig === undefined) return { verified: null, verifyError: 'no signature headers' };
  if (Array.isArray(sig)) sig = sig.join(' ');
  const h = { 'webhook-id': first(id) ?? '', 'webhook-timestamp': first(ts) ?? '', 'webhook-signature': sig ?? '' };
  let err = null;
  for (const wh of verifiers) {
    try {
      wh.verify(body, h, { jsonParse: false });
      return { verified: true, verifyError: null };
    } catch (e) {
      err = e.message;
    }
  }
  return { verified: false, verifyError: err };
}

function counterFor(pathname) {
  let c = counters.get(pathname);
  if (!c) {
    c = { count: 0, verified: 0, failedVerification: 0, unverified: 0, outcomes: {} };
    counters.set(pathname, c);
  }
  return c;
}

function record(rec) {
  rec.seq = nextSeq++;
  const c = counterFor(rec.pathname);
  c.count++;
  if (rec.verified === true) c.verified++;
  else if (rec.verified === false) c.failedVerification++;
  else c.unverified++;
  c.outcomes[rec.outcome] = (c.outcomes[rec.outcome] || 0) + 1;
  if (opts.maxRecords > 0) {
    records.push(rec);
    if (records.length - recStart > opts.maxRecords) {
      records[recStart++] = undefined;
      evicted++;
      if (recStart > 4096 && recStart * 2 > records.length) {
        records = records.slice(recStart);
        recStart = 0;
      }
    }
  } else {
    evicted++;
  }
  if (logStream) logStream.write(JSON.stringify(rec) + '\n');
  if (waiters.size) for (const w of waiters) w.check();
}

// ---------------------------------------------------------------- answering

function holdOpen(req, res) {
  hung.add(res);
  res.on('close', () => hung.delete(res));
}

function resetSocket(req) {
  const s = req.socket;
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

function answer(req, res, b, outcome) {
  switch (outcome) {
    case 'drop': resetSocket(req); return;
    case 'hang': case 'timeout': holdOpen(req, res); return;
    case 'garbage': {
      const s = req.socket;
      s.end(Buffer.from('\x00\xff\xfeNOT-HTTP garbage \x01\x02\x03\r\n\r\n\x7fELF', 'latin1'));
      setTimeout(() => s.destroy(), 1000).unref();
      return;
    }
    case 'midbody': {
      // the status line, headers announcing 1000 bytes, 10 of them, then the
      // connection closes
      res.writeHead(b.status, { 'content-length': '1000', 'content-type': 'text/plain' });
      res.write('0123456789');
      setTimeout(() => resetSocket(req), 20).unref();
      return;
    }
    case 'stall': {
      // headers, then nothing, ever
      res.writeHead(b.status, { 'content-length': '100', 'content-type': 'text/plain' });
      res.flushHeaders();
      holdOpen(req, res);
      return;
    }
    default: break;
  }
  const headers = {};
  for (const [k, v] of Object.entries(b.headers)) headers[k] = v;
  if (b.retryAfter !== null) headers['retry-after'] = b.retryAfter;
  if (b.close) headers.connection = 'close';
  let status = b.status;
  let body = b.bodyBuf;
  if (outcome === 'fail') {
    status = 503;
    body = Buffer.from('fail');
  } else if (outcome === 'redirect') {
    if (status < 300 || status > 399) status = 302;
    headers.location = b.redirectTo;
  }
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'text/plain';
  if (outcome === 'huge') {
    const n = b.hugeBodyBytes;
    headers['content-length'] = String(n);
    res.writeHead(status, headers);
    const chunk = Buffer.alloc(Math.min(65536, Math.max(1, n)), 0x61);
    let left = n;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    res.on('close', () => { left = 0; });
    pump();
    return;
  }
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function chooseOutcome(b) {
  if (b.drop) return 'drop';
  if (b.hangForever) return 'hang';
  if (b.garbage) return 'garbage';
  if (b.midBody) return 'midbody';
  if (b.stallAfterHeaders) return 'stall';
  if (b.failedFirst < b.failFirst) {
    b.failedFirst++;
    return 'fail';
  }
  if (b.failRate > 0 || b.timeoutRate > 0 || b.dropRate > 0) {
    const r = b.random();
    if (r < b.failRate) return 'fail';
    if (r < b.failRate + b.timeoutRate) return 'timeout';
    if (r < b.failRate + b.timeoutRate + b.dropRate) return 'drop';
  }
  if (b.redirectTo !== null) return 'redirect';
  if (b.hugeBodyBytes !== null) return 'huge';
  return 'ok';
}

function statusFor(b, outcome) {
  switch (outcome) {
    case 'fail': return 503;
    case 'redirect': return b.status >= 300 && b.status <= 399 ? b.status : 302;
    case 'ok': case 'huge': case 'midbody': case 'stall': return b.status;
    default: return null;
  }
}

function handleWebhook(req, res, arrivedAt, url) {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const bodyCompleteAt = now();
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const headers = collectHeaders(req.rawHeaders);
    const { b, verifiers } = resolve(pathname);
    const outcome = chooseOutcome(b);
    const v = verify(verifiers, body, headers);
    const ss = headers['socotra-signature'];
    const ws = headers['webhook-signature'];
    const tag = headers['socotra-signature-tag'];
    const rec = {
      seq: 0,
      arrivedAt,
      bodyCompleteAt,
      method: req.method,
      path: url,
      pathname,
      httpVersion: req.httpVersion,
      tls: !!req.socket.encrypted,
      remotePort: req.socket.remotePort,
      headers,
      body: body.toString('utf8'),
      bodyBytes: body.length,
      verified: v.verified,
      verifyError: v.verifyError,
      socotraSignatureMatches: ss === undefined && ws === undefined ? null
        : JSON.stringify(ss) === JSON.stringify(ws),
      socotraSignatureTag: tag === undefined ? null : first(tag),
      outcome,
      status: statusFor(b, outcome),
      delayMs: b.delayMs,
    };
    record(rec);
    if (b.delayMs > 0 && outcome !== 'hang' && outcome !== 'timeout') {
      const t = setTimeout(() => answer(req, res, b, outcome), b.delayMs);
      res.on('close', () => clearTimeout(t));
    } else {
      answer(req, res, b, outcome);
    }
  });
  req.on('error', () => {});
}

// ---------------------------------------------------------------- control API

function sendJson(res, status, obj) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
  res.end(body);
}

function readJson(req, cb) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const s = Buffer.concat(chunks).toString('utf8');
    if (s.trim() === '') { cb(null, {}); return; }
    try { cb(null, JSON.parse(s)); } catch (e) { cb(e); }
  });
  req.on('error', (e) => cb(e));
}

// Does a record's path match a ?path= filter? "/x" matches pathname "/x" (any
// query) or the exact path-with-query; "/x*" is a prefix; absent matches all.
function pathFilter(p) {
  if (p === null || p === undefined || p === '' || p === '*') return () => true;
  if (p.endsWith('*')) {
    const pre = p.slice(0, -1);
    return (r) => r.pathname.startsWith(pre);
  }
  if (p.includes('?')) return (r) => r.path === p;
  return (r) => r.pathname === p;
}

function liveRecords() {
  return recStart === 0 ? records : records.slice(recStart);
}

function countFor(p) {
  const out = { count: 0, verified: 0, failedVerification: 0, unverified: 0, outcomes: {} };
  const add = (c) => {
    out.count += c.count; out.verified += c.verified;
    out.failedVerification += c.failedVerification; out.unverified += c.unverified;
    for (const [k, v] of Object.entries(c.outcomes)) out.outcomes[k] = (out.outcomes[k] || 0) + v;
  };
  if (p === null || p === '' || p === '*') {
    for (const c of counters.values()) add(c);
  } else if (p.endsWith('*')) {
    const pre = p.slice(0, -1);
    for (const [k, c] of counters) if (k.startsWith(pre)) add(c);
  } else {
    const q = p.indexOf('?');
    const c = counters.get(q < 0 ? p : p.slice(0, q));
    if (c) add(c);
  }
  return out;
}

function clearLog() {
  records = [];
  recStart = 0;
  evicted = 0;
  counters = new Map();
  for (const w of waiters) w.check();
}

function releaseHung() {
  const n = hung.size;
  for (const res of hung) {
    try { res.socket && res.socket.destroy(); } catch (_) { /* ignore */ }
  }
  hung.clear();
  return n;
}

function handleControl(req, res, url) {
  const u = new URL(url, 'http://x');
  const p = u.pathname.replace(/\/+$/, '');
  const m = req.method;
  const bad = (msg) => sendJson(res, 400, { error: msg });
  const q = (k) => u.searchParams.get(k);
  const intParam = (k, def) => {
    const s = q(k);
    if (s === null || s === '') return def;
    if (!/^-?\d+$/.test(s)) return NaN;
    return Number(s);
  };

  if (p === '/_control/health' && m === 'GET') {
    return sendJson(res, 200, { ok: true, port: server.address().port, pid: process.pid,
      records: records.length - recStart, nextSeq, hung: hung.size, now: now() });
  }
  if (p === '/_control/behaviour' && m === 'POST') {
    return readJson(req, (err, body) => {
      if (err) return bad(`bad JSON: ${err.message}`);
      const list = Array.isArray(body) ? body : [body];
      const out = [];
      try {
        for (const b of list) out.push(normalizeBehaviour(b));
      } catch (e) { return bad(e.message); }
      for (const n of out) behaviours.set(n.path, n);
      sendJson(res, 200, Array.isArray(body) ? out.map(publicBehaviour) : publicBehaviour(out[0]));
    });
  }
  if ((p === '/_control/behaviour' || p === '/_control/behaviours') && m === 'GET') {
    const path = q('path');
    if (path !== null) {
      const b = behaviours.get(path);
      return b ? sendJson(res, 200, publicBehaviour(b)) : sendJson(res, 404, { error: 'no behaviour for that path' });
    }
    return sendJson(res, 200, [...behaviours.values()].map(publicBehaviour));
  }
  if (p === '/_control/behaviour' && m === 'DELETE') {
    const path = q('path');
    if (path === null) { const n = behaviours.size; behaviours.clear(); return sendJson(res, 200, { deleted: n }); }
    return sendJson(res, 200, { deleted: behaviours.delete(path) ? 1 : 0 });
  }
  if (p === '/_control/requests' && m === 'GET') {
    const since = intParam('since', 0);
    const limit = intParam('limit', Infinity);
    if (Number.isNaN(since) || Number.isNaN(limit)) return bad('since and limit must be integers');
    const f = pathFilter(q('path'));
    const live = liveRecords();
    // binary search for the first record with seq > since
    let lo = 0, hi = live.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (live[mid].seq > since) hi = mid; else lo = mid + 1; }
    const out = [];
    for (let i = lo; i < live.length && out.length < limit; i++) if (f(live[i])) out.push(live[i]);
    return sendJson(res, 200, out);
  }
  if (p === '/_control/requests' && m === 'DELETE') {
    clearLog();
    return sendJson(res, 200, { ok: true });
  }
  if (p === '/_control/count' && m === 'GET') {
    const c = countFor(q('path'));
    c.evicted = evicted;
    c.lastSeq = nextSeq - 1;
    return sendJson(res, 200, c);
  }
  if (p === '/_control/wait' && m === 'GET') {
    // Long-poll until the count for ?path reaches ?count (default 1), or
    // ?timeoutMs (default 10000) passes. Answers {count, reached}.
    const want = intParam('count', 1);
    const timeoutMs = intParam('timeoutMs', 10000);
    if (Number.isNaN(want) || Number.isNaN(timeoutMs)) return bad('count and timeoutMs must be integers');
    const path = q('path');
    let done = false;
    const w = {
      check() {
        if (done) return;
        const c = countFor(path).count;
        if (c >= want) finish(c, true);
      },
    };
    const finish = (c, reached) => {
      done = true;
      waiters.delete(w);
      clearTimeout(timer);
      if (!res.writableEnded && !res.destroyed) sendJson(res, 200, { count: c, reached });
    };
    const timer = setTimeout(() => finish(countFor(path).count, false), Math.max(0, timeoutMs));
    res.on('close', () => { if (!done) { done = true; waiters.delete(w); clearTimeout(timer); } });
    waiters.add(w);
    w.check();
    return undefined;
  }
  if (p === '/_control/release' && m === 'POST') {
    return sendJson(res, 200, { released: releaseHung() });
  }
  if (p === '/_control/reset' && m === 'POST') {
    behaviours = new Map();
    clearLog();
    const released = releaseHung();
    return sendJson(res, 200, { ok: true, released });
  }
  return sendJson(res, 404, { error: `no control endpoint ${m} ${u.pathname}` });
}

// ---------------------------------------------------------------- server

function onRequest(req, res) {
  const arrivedAt = now();
  const url = req.url || '/';
  if (url.startsWith('/_control/') || url === '/_control') {
    try { handleControl(req, res, url); } catch (e) { sendJson(res, 500, { error: e.message }); }
    return;
  }
  handleWebhook(req, res, arrivedAt, url);
}

let server;
try {
  // headers up to libcurl's own 1 MB limit, so that tests see all the
  // worker sends (Node's default is 16 KiB)
  const maxHeaderSize = 1024 * 1024;
  server = opts.tlsCert
    ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey), maxHeaderSize }, onRequest)
    : http.createServer({ maxHeaderSize }, onRequest);
} catch (e) {
  usage(`cannot start: ${e.message}`);
}
server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.requestTimeout = 0;   // hung answers are wanted; never time the request out
server.timeout = 0;
server.maxRequestsPerSocket = 0;
server.on('clientError', (err, socket) => {
  if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});
server.on('error', (e) => {
  process.stderr.write(`receiver: ${e.message}\n`);
  process.exit(1);
});

server.listen({ port: opts.port, host: opts.host, exclusive: true }, () => {
  const a = server.address();
  if (opts.pidfile) fs.writeFileSync(opts.pidfile, `${process.pid}\n`);
  process.stdout.write(JSON.stringify({ listening: true, host: a.address, port: a.port,
    tls: !!opts.tlsCert, pid: process.pid }) + '\n');
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (opts.pidfile) { try { fs.unlinkSync(opts.pidfile); } catch (_) { /* ignore */ } }
  server.close();
  releaseHung();
  if (server.closeAllConnections) server.closeAllConnections();
  if (logStream) logStream.end(() => process.exit(0));
  else process.exit(0);
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
