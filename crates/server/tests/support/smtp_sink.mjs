// A real SMTP server for the server's tests: npm `smtp-server` + `mailparser`, resolved from
// tests/e2e/node_modules (run `npm ci` in tests/e2e once). Listens on 127.0.0.1, port 0 unless
// SMTP_SINK_PORT says otherwise; prints `{"port": N}` first, then one JSON line per message:
// {"envelopeTo": [...], "to": "...", "subject": "...", "text": "...", "html": "...", "messageId": "<...>"}.
// Accepts any AUTH (PLAIN/LOGIN) without TLS, so `smtp://user:pass@` URLs can be tested.
// SMTP_SINK_FAULT_RATE (0 to 1, default 0) makes it fail that share of the time, decided by a
// generator seeded with SMTP_SINK_SEED: half of the faults close a new connection at once (421),
// half refuse a message after its data (451 or 554, alternately); each prints {"fault": "..."}.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { seeded } from "./faults.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const e2e = process.env.SMTP_SINK_MODULES ?? path.resolve(here, "../../../../tests/e2e/package.json");
const require = createRequire(e2e);
const { SMTPServer } = require("smtp-server");
const { simpleParser } = require("mailparser");

const faultRate = Number(process.env.SMTP_SINK_FAULT_RATE ?? 0);
const random = seeded(process.env.SMTP_SINK_SEED);
let refusals = 0;

function fault(kind, code) {
  process.stdout.write(JSON.stringify({ fault: kind }) + "\n");
  const error = new Error(`injected fault: ${kind}`);
  error.responseCode = code;
  return error;
}

const server = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onAuth(auth, _session, callback) {
    callback(null, { user: auth.username });
  },
  onConnect(_session, callback) {
    if (random() < faultRate / 2) return callback(fault("dropped", 421));
    callback();
  },
  onData(stream, session, callback) {
    if (random() < faultRate / 2) {
      refusals += 1;
      const code = refusals % 2 ? 451 : 554;
      stream.on("end", () => callback(fault(String(code), code)));
      stream.resume();
      return;
    }
    simpleParser(stream)
      .then((mail) => {
        process.stdout.write(
          JSON.stringify({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: mail.from?.text ?? "",
            to: mail.to?.text ?? "",
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            html: typeof mail.html === "string" ? mail.html : "",
            user: session.user ?? null,
            messageId: mail.messageId ?? null,
          }) + "\n",
        );
        callback();
      })
      .catch((error) => callback(error));
  },
});

server.on("error", (error) => {
  process.stderr.write(`smtp sink: ${error}\n`);
});

server.listen(Number(process.env.SMTP_SINK_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.server.address().port }) + "\n");
});

process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.resume();
