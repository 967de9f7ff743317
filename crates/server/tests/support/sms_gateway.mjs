// A minimal SMS and voice gateway receiver, as docs/sms-gateway.md shows it (the server's
// tests run this very file): it checks the signature and the timestamp of each POST, then
// "delivers" the message by printing it. Plain Node.js, no packages.
//
// Environment: SMS_GATEWAY_SECRET (the shared secret), SMS_GATEWAY_PORT (default 0: any free
// port), SMS_GATEWAY_FAIL (answer SMS_GATEWAY_FAIL_STATUS, default 500, to the first N
// requests, for retry tests), SMS_GATEWAY_FAULT_RATE (0 to 1, default 0: that share of the
// requests, decided by a generator seeded with SMS_GATEWAY_SEED, either has its connection
// closed with no answer or is answered 503; each prints {"fault": "dropped" | "503"}).
// Prints {"port": N} first, then one JSON line per request:
// {"verified": true|false, "status": 202|401|..., "message": {...}}.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { seeded } from "./faults.mjs";

const secret = process.env.SMS_GATEWAY_SECRET ?? "";
let failures = Number(process.env.SMS_GATEWAY_FAIL ?? 0);
const failStatus = Number(process.env.SMS_GATEWAY_FAIL_STATUS ?? 500);
const MAX_AGE_SECONDS = 300;
const faultRate = Number(process.env.SMS_GATEWAY_FAULT_RATE ?? 0);
const random = seeded(process.env.SMS_GATEWAY_SEED);

function verified(timestamp, signature, body) {
  const age = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!Number.isFinite(age) || age > MAX_AGE_SECONDS) return false;
  const expected = "sha256=" + createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  const given = Buffer.from(String(signature ?? ""));
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const roll = random();
    if (roll < faultRate / 2) {
      process.stdout.write(JSON.stringify({ fault: "dropped" }) + "\n");
      request.socket.destroy();
      return;
    }
    if (roll < faultRate) {
      process.stdout.write(JSON.stringify({ fault: "503" }) + "\n");
      response.writeHead(503).end();
      return;
    }
    const body = Buffer.concat(chunks);
    const ok = request.method === "POST" &&
      verified(request.headers["x-security-info-timestamp"], request.headers["x-security-info-signature"], body);
    let status = ok ? 202 : 401;
    if (ok && failures > 0) {
      failures -= 1;
      status = failStatus;
    }
    let message = null;
    try {
      message = JSON.parse(body.toString("utf8"));
    } catch {
      status = 400;
    }
    // A real gateway would now send message.text to message.to as a text (channel "sms") or
    // speak it in message.language (channel "voice"), and drop a messageId it has seen.
    process.stdout.write(JSON.stringify({ verified: ok, status, message }) + "\n");
    response.writeHead(status).end();
  });
});

server.listen(Number(process.env.SMS_GATEWAY_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.resume();
