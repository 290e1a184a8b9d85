// ECS Exec in the console: the Session Manager data channel, spoken from
// the page as session-manager-plugin speaks it (the client's side), and a
// terminal (xterm.js, vendored: xterm.mjs, loaded the first time a shell
// opens) docked at the bottom of the page, outside the re-rendered <main>.
//   window.fargoExec.open({ session, title, region, token, terminate })
'use strict';

(() => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const HEADER = 116;  // HeaderLength: the offset of PayloadLength
  const PT = { output: 1, error: 2, size: 3, handshakeRequest: 5, handshakeResponse: 6, handshakeComplete: 7, flag: 10, stderr: 11, exitCode: 12 };
  const SHELL_TYPES = ['Standard_Stream', 'InteractiveCommands', 'NonInteractiveCommands'];
  const MAX_INPUT = 1024;  // the plugin reads and sends its stdin in chunks of at most this

  // ---- SHA-256 (crypto.subtle on secure origins: 127.0.0.1, localhost) ----

  const K = new Uint32Array([0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb,
    0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f,
    0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  // Plain SHA-256, for pages served at an address the browser does not deem
  // secure (no crypto.subtle there).
  function sha256Plain(bytes) {
    const n = Math.ceil((bytes.length + 9) / 64) * 64;
    const m = new Uint8Array(n); m.set(bytes); m[bytes.length] = 0x80;
    const v = new DataView(m.buffer);
    v.setUint32(n - 8, Math.floor(bytes.length / 0x20000000)); v.setUint32(n - 4, bytes.length * 8);
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, r) => (x >>> r) | (x << (32 - r));
    for (let off = 0; off < n; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = v.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    const out = new Uint8Array(32); const ov = new DataView(out.buffer);
    h.forEach((x, i) => ov.setUint32(i * 4, x));
    return out;
  }
  async function sha256(bytes) {
    if (globalThis.crypto?.subtle) return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return sha256Plain(bytes);
  }

  // ---- messages (ssm-session-protocol §3): 120-byte header, big-endian ----

  function newUuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    return b;
  }
  function uuidText(b) {
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  async function encode(type, seq, flags, payloadType, payload) {
    const id = newUuid();
    const u = new Uint8Array(120 + payload.length);
    const v = new DataView(u.buffer);
    v.setUint32(0, HEADER);
    u.fill(0x20, 4, 36); u.set(enc.encode(type), 4);  // right-padded with spaces
    v.setUint32(36, 1);
    v.setBigUint64(40, BigInt(Date.now()));
    v.setBigInt64(48, BigInt(seq));
    v.setBigUint64(56, BigInt(flags));
    u.set(id.subarray(8, 16), 64); u.set(id.subarray(0, 8), 72);  // the UUID's halves swapped
    u.set(await sha256(payload), 80);
    v.setUint32(112, payloadType);
    v.setUint32(116, payload.length);
    u.set(payload, 120);
    return u.buffer;
  }
  // null for frames that are not messages.
  function decode(buf) {
    if (buf.byteLength < 116) return null;
    const u = new Uint8Array(buf), v = new DataView(buf);
    const hl = v.getUint32(0);
    if (hl < 112 || hl + 4 > buf.byteLength) return null;
    const id = new Uint8Array(16); id.set(u.subarray(72, 80), 0); id.set(u.subarray(64, 72), 8);
    return {
      type: dec.decode(u.subarray(4, 36)).replace(/^[\0 ]+|[\0 ]+$/g, ''),
      seq: Number(v.getBigInt64(48)),
      id: uuidText(id),
      digest: u.subarray(80, 112),
      payloadType: hl >= 116 ? v.getUint32(112) : 0,
      payload: u.subarray(hl + 4),  // everything after PayloadLength, as the plugin takes it
    };
  }
  const json = (bytes) => { try { return JSON.parse(dec.decode(bytes)); } catch (e) { return null; } };

  // ---- the data channel, the client's side ---------------------------------
  // Output: in sequence, each acknowledged (later ones kept and acked,
  // earlier ones acked again); a payload whose digest is wrong dropped
  // unacked, as the plugin does, so it comes again. Input: numbered from 0,
  // kept until acknowledged, the oldest resent after the retransmission
  // timeout (200 ms to start, then TCP-style from the round trips, at most 1 s).
  class DataChannel {
    constructor(url, token, on) {
      this.on = on;  // { output(bytes), closed(text), status(text) }
      this.token = token;
      this.expected = 0; this.later = new Map();
      this.nextSeq = 0; this.unacked = []; this.rtt = 100; this.rttvar = 0; this.rto = 200;
      this.ready = false; this.pending = []; this.size = null; this.ended = false;
      this.sending = Promise.resolve(); this.receiving = Promise.resolve();
      this.ws = new WebSocket(url);
      this.ws.binaryType = 'arraybuffer';
      this.ws.onopen = () => {
        this.ws.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: uuidText(newUuid()), TokenValue: this.token,
          ClientId: uuidText(newUuid()), ClientVersion: '1.2.0.0' }));
        this.on.status('connected');
        // A shell has no handshake; one that prints nothing first still gets its size.
        this.readyTimer = setTimeout(() => this.becomeReady(), 1000);
      };
      this.ws.onmessage = (e) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        const m = decode(e.data);
        if (m) this.receiving = this.receiving.then(() => this.receive(m)).catch((err) => console.error(err));
      };
      this.ws.onclose = (e) => {
        clearInterval(this.timer); clearTimeout(this.readyTimer);
        if (!this.ended) { this.ended = true; this.on.closed(`\r\n[disconnected: ${e.code}${e.reason ? ' ' + e.reason : ''}]\r\n`); }
      };
      this.timer = setInterval(() => this.resend(), 100);
    }

    async receive(m) {
      if (m.type === 'acknowledge') {
        const a = json(m.payload);
        const i = a ? this.unacked.findIndex((x) => x.seq === a.AcknowledgedMessageSequenceNumber) : -1;
        if (i >= 0) {
          const [x] = this.unacked.splice(i, 1);
          if (!x.resent) {
            const sample = performance.now() - x.sentAt;
            this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.rtt - sample);
            this.rtt = 0.875 * this.rtt + 0.125 * sample;
            this.rto = Math.min(1000, this.rtt + Math.max(10, 4 * this.rttvar));
          }
        }
      } else if (m.type === 'output_stream_data') {
        if (m.payload.length) {
          const d = await sha256(m.payload);
          if (d.some((b, i) => b !== m.digest[i])) return;  // dropped, unacked: it comes again
        }
        this.ack(m);
        if (m.seq < this.expected) return;
        if (m.seq > this.expected) { this.later.set(m.seq, m); return; }
        this.handle(m);
        this.expected++;
        while (this.later.has(this.expected)) {
          const next = this.later.get(this.expected);
          this.later.delete(this.expected);
          this.handle(next);
          this.expected++;
        }
      } else if (m.type === 'channel_closed') {
        const c = json(m.payload) || {};
        this.ended = true;
        this.on.closed(c.Output ? `\r\n\r\nSessionId: ${c.SessionId || ''} : ${c.Output}\r\n` : `\r\n\r\nExiting session with sessionId: ${c.SessionId || ''}.\r\n`);
        this.close();
      }
      // start_publication, pause_publication: hints the plugin ignores too.
    }

    handle(m) {
      switch (m.payloadType) {
        case PT.output: case PT.stderr: case PT.exitCode:
          this.becomeReady();
          this.on.output(m.payload);
          break;
        case PT.handshakeRequest: {
          const req = json(m.payload) || {};
          const processed = (req.RequestedClientActions || []).map((a) => {
            if (a.ActionType === 'SessionType') {
              const t = a.ActionParameters?.SessionType;
              return SHELL_TYPES.includes(t) ? { ActionType: 'SessionType', ActionStatus: 1, ActionResult: null, Error: '' }
                : { ActionType: 'SessionType', ActionStatus: 2, ActionResult: null, Error: `the console opens shells, not ${t} sessions` };
            }
            return { ActionType: a.ActionType, ActionStatus: 3, ActionResult: null, Error: `${a.ActionType} is not supported` };
          });
          const errors = processed.filter((p) => p.Error).map((p) => p.Error);
          this.stream(PT.handshakeResponse, enc.encode(JSON.stringify({ ClientVersion: '1.2.0.0', ProcessedClientActions: processed, Errors: errors.length ? errors : null })));
          break;
        }
        case PT.handshakeComplete: {
          const c = json(m.payload) || {};
          if (c.CustomerMessage) this.on.output(enc.encode(c.CustomerMessage + '\r\n'));
          this.becomeReady();
          break;
        }
        default: break;  // flags and the rest: nothing for a shell
      }
    }

    becomeReady() {
      if (this.ready) return;
      this.ready = true;
      clearTimeout(this.readyTimer);
      if (this.size) this.sendSize();
      for (const p of this.pending.splice(0)) this.stream(PT.output, p);
    }

    // Keystrokes (a string), in chunks of at most MAX_INPUT bytes.
    input(text) {
      const bytes = enc.encode(text);
      for (let i = 0; i < bytes.length; i += MAX_INPUT) {
        const chunk = bytes.subarray(i, i + MAX_INPUT);
        if (this.ready) this.stream(PT.output, chunk); else this.pending.push(chunk);
      }
    }

    resize(cols, rows) {
      this.size = { cols, rows };
      if (this.ready) this.sendSize();
    }
    sendSize() { this.stream(PT.size, enc.encode(JSON.stringify(this.size))); }

    // One input_stream_data message, numbered in the order of the calls.
    stream(payloadType, payload) {
      if (this.ended) return;
      this.sending = this.sending.then(async () => {
        const seq = this.nextSeq++;
        const frame = await encode('input_stream_data', seq, 0, payloadType, payload);
        this.unacked.push({ seq, frame, sentAt: performance.now(), resent: false });
        this.send(frame);
      }).catch((err) => console.error(err));
    }

    ack(m) {
      this.sending = this.sending.then(async () => {
        this.send(await encode('acknowledge', 0, 3, 0, enc.encode(JSON.stringify({
          AcknowledgedMessageType: m.type, AcknowledgedMessageId: m.id, AcknowledgedMessageSequenceNumber: m.seq, IsSequentialMessage: true }))));
      }).catch((err) => console.error(err));
    }

    send(frame) { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame); }

    resend() {
      const x = this.unacked[0];
      if (!x || performance.now() - x.sentAt < this.rto) return;
      x.sentAt = performance.now(); x.resent = true;
      this.send(x.frame);
    }

    close() {
      this.ended = true;
      clearInterval(this.timer); clearTimeout(this.readyTimer);
      if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
    }
  }

  // ---- the terminal dock ---------------------------------------------------

  let xterm = null;  // the module, once loaded
  let current = null;  // { channel, term, fit, observer, session, terminate }

  const $ = (id) => document.getElementById(id);

  function setStatus(text) { $('shell-status').textContent = text; }

  async function close() {
    const c = current;
    current = null;
    if (!c) return;
    c.observer.disconnect();
    const live = !c.channel.ended;
    c.channel.close();
    c.term.dispose();
    $('shell').hidden = true;
    document.body.classList.remove('with-shell');
    if (live) {
      try { await c.terminate(c.session.sessionId); } catch (e) { /* it ends by itself after the reconnect grace */ }
    }
  }

  // The stream URL's path on the page's own origin: fargo serves the data
  // channel on every listener, and the console's guard admits a page's
  // WebSocket only from that origin, with the console's token.
  function channelUrl(streamUrl, consoleToken) {
    const u = new URL(streamUrl);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${u.pathname}${u.search ? u.search + '&' : '?'}token=${encodeURIComponent(consoleToken)}`;
  }

  async function open({ session, title, token, terminate }) {
    await close();
    if (!xterm) {
      const [core, fit] = await Promise.all([import('./xterm.mjs'), import('./xterm-addon-fit.mjs')]);
      xterm = { Terminal: core.Terminal, FitAddon: fit.FitAddon };
    }
    const dock = $('shell');
    dock.hidden = false;
    document.body.classList.add('with-shell');
    $('shell-title').textContent = title;
    $('shell-session').textContent = session.sessionId;
    setStatus('connecting…');
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const term = new xterm.Terminal({ cursorBlink: true, fontSize: 13, scrollback: 5000,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
      theme: dark ? { background: '#010409', foreground: '#e6edf3' } : { background: '#1b1f24', foreground: '#f6f8fa' } });
    const fit = new xterm.FitAddon();
    term.loadAddon(fit);
    const host = $('shell-term');
    host.replaceChildren();
    term.open(host);
    fit.fit();
    const channel = new DataChannel(channelUrl(session.streamUrl, token), session.tokenValue, {
      output: (bytes) => term.write(bytes),
      closed: (text) => { term.write(text); setStatus('ended'); },
      status: setStatus,
    });
    channel.resize(term.cols, term.rows);
    term.onData((d) => channel.input(d));
    term.onResize(({ cols, rows }) => { channel.resize(cols, rows); $('shell-size').textContent = `${cols}×${rows}`; });
    $('shell-size').textContent = `${term.cols}×${term.rows}`;
    const observer = new ResizeObserver(() => { if (current?.term === term) fit.fit(); });
    observer.observe(host);
    current = { channel, term, fit, observer, session, terminate };
    term.focus();
  }

  document.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-shell]');
    if (!b) return;
    if (b.dataset.shell === 'close') close();
    if (b.dataset.shell === 'grow') {
      const tall = document.body.classList.toggle('shell-tall');
      b.textContent = tall ? 'Smaller' : 'Larger';
      b.setAttribute('aria-pressed', String(tall));
      current?.term.focus();  // typing goes on in the terminal
    }
  });

  window.fargoExec = { open, close, DataChannel, encode, decode, sha256Plain };
})();
