"""A raw Session Manager data-channel client for the e2e tests' bad inputs.

The real clients (the plugin, fargo exec, npm ssm-session) only send what
they should; this one speaks the WebSocket framing (RFC 6455) and the
120-byte-header messages by hand, so a test can also send what they never
do: a wrong token, garbage frames, wrong digests, oversize or unmasked
frames. Standard library only.
"""
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import time
import urllib.parse
import uuid

# Close codes (RFC 6455).
POLICY = 1008
TOO_BIG = 1009
PROTOCOL = 1002


class Closed(Exception):
    def __init__(self, code, reason=""):
        super().__init__(f"closed {code} {reason}")
        self.code, self.reason = code, reason


def encode_message(message_type, seq, payload_type, payload, flags=0, digest=None):
    """One message as the plugin frames it (header length 116, space padding)."""
    mid = uuid.uuid4().bytes
    head = struct.pack(">I", 116) + message_type.encode().ljust(32, b" ") + struct.pack(">I", 1)
    head += struct.pack(">QqQ", int(time.time() * 1000), seq, flags) + mid[8:] + mid[:8]
    head += digest if digest is not None else hashlib.sha256(payload).digest()
    return head + struct.pack(">II", payload_type, len(payload)) + payload


def decode_message(frame):
    hl = struct.unpack(">I", frame[:4])[0]
    mtype = frame[4:36].strip(b"\0 ").decode()
    seq = struct.unpack(">q", frame[48:56])[0]
    mid = frame[64:80]
    ptype = struct.unpack(">I", frame[112:116])[0] if hl >= 116 else 0
    return {"type": mtype, "seq": seq, "id": str(uuid.UUID(bytes=mid[8:] + mid[:8])), "payload_type": ptype,
            "payload": frame[hl + 4:]}


class RawDataChannel:
    def __init__(self, stream_url, timeout=20, connect=None, cafile=None):
        """`connect`: (address, port) to dial instead of the URL's host (as
        an /etc/hosts line would); `cafile`: the CA a wss:// server is
        checked against (its name as in the URL)."""
        u = urllib.parse.urlsplit(stream_url)
        tls = u.scheme == "wss"
        self.sock = socket.create_connection(connect or (u.hostname, u.port or (443 if tls else 80)),
                                             timeout=timeout)
        if tls:
            self.sock = ssl.create_default_context(cafile=cafile).wrap_socket(self.sock, server_hostname=u.hostname)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed(0, "no upgrade")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise Closed(0, head.decode(errors="replace"))
        self.in_seq = 0   # next input_stream_data sequence number
        self.output = b""

    # ---- WebSocket framing
    def send_frame(self, opcode, payload, mask=True):
        b0 = 0x80 | opcode
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            head = struct.pack(">BB", b0, m | n)
        elif n < 65536:
            head = struct.pack(">BBH", b0, m | 126, n)
        else:
            head = struct.pack(">BBQ", b0, m | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload))
            head += k
        self.sock.sendall(head + payload)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(0, "connection closed without a close frame")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(opcode, payload) of the next data frame; Closed on a close frame."""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            op = b0 & 0x0F
            if op == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise Closed(code, payload[2:].decode(errors="replace"))
            if op == 9:
                self.send_frame(10, payload)
                continue
            if op in (1, 2):
                return op, payload

    def wait_closed(self):
        """The close code the server ends this connection with."""
        try:
            while True:
                self.recv_frame()
        except Closed as e:
            return e.code
        except OSError:
            return 0

    # ---- the data channel
    def open(self, token):
        self.send_frame(1, json.dumps({"MessageSchemaVersion": "1.0", "RequestId": str(uuid.uuid4()),
                                       "TokenValue": token, "ClientId": str(uuid.uuid4()),
                                       "ClientVersion": "1.2.0.0"}).encode())

    def send_input(self, data, digest=None):
        self.send_frame(2, encode_message("input_stream_data", self.in_seq, 1, data, digest=digest))
        self.in_seq += 1

    def read_until(self, text, timeout=20):
        """Acknowledges output and gathers it until `text` shows; the
        channel_closed payload's Output if the session ends first."""
        deadline = time.time() + timeout
        self.sock.settimeout(timeout)
        while text.encode() not in self.output:
            if time.time() > deadline:
                raise AssertionError(f"no {text!r} in {self.output!r}")
            _, frame = self.recv_frame()
            m = decode_message(frame)
            if m["type"] == "channel_closed":
                return json.loads(m["payload"] or b"{}")
            if m["type"] != "output_stream_data":
                continue
            ack = json.dumps({"AcknowledgedMessageType": m["type"], "AcknowledgedMessageId": m["id"],
                              "AcknowledgedMessageSequenceNumber": m["seq"], "IsSequentialMessage": True})
            self.send_frame(2, encode_message("acknowledge", 0, 0, ack.encode(), flags=3))
            if m["payload_type"] == 1:
                self.output += m["payload"]
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
