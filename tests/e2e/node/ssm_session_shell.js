// Drives one ECS Exec session with the npm ssm-session client (an
// independent implementation of the plugin's side): connects to the
// streamUrl, sends the token and the terminal size, types each argument
// line as keystrokes, prints every output payload, acknowledges as the
// library does, and exits when the channel closes.
//   node ssm_session_shell.js <streamUrl> <token> <line>...
const WebSocket = require("ws");
const { ssm } = require("ssm-session");
const { TextDecoder } = require("util");

const [url, token, ...lines] = process.argv.slice(2);
const decoder = new TextDecoder();
const ws = new WebSocket(url);
ws.binaryType = "arraybuffer";
let output = "";
let sent = false;
const silence = console.log;
ws.on("open", () => {
  ssm.init(ws, { token, termOptions: { rows: 24, cols: 80 } });
});
ws.on("message", (data, isBinary) => {
  if (!isBinary) return;
  const buf = data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  console.log = () => {};  // the library logs every message it decodes
  const msg = ssm.decode(buf);
  console.log = silence;
  if (msg.messageType === "channel_closed") {
    process.stdout.write(output);
    process.exit(0);
  }
  if (msg.messageType !== "output_stream_data") return;
  console.log = () => {};
  ssm.sendACK(ws, msg);
  console.log = silence;
  if (msg.payloadType === 1) output += decoder.decode(new Uint8Array(buf.slice(120)));
  if (!sent) {
    sent = true;
    let delay = 300;
    for (const line of lines) {
      setTimeout(() => {
        console.log = () => {};
        ssm.sendText(ws, line + "\r");
        console.log = silence;
      }, delay);
      delay += 300;
    }
  }
});
ws.on("close", () => {
  process.stdout.write(output);
  process.exit(0);
});
setTimeout(() => {
  process.stdout.write(output);
  process.exit(2);
}, 30000);
