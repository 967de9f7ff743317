// The organization's SMS and voice gateway, played by the receiver docs/sms-gateway.md shows
// (crates/server/tests/support/sms_gateway.mjs, the very file the server's own tests run): it
// checks each request's HMAC signature and timestamp, answers 202, and prints what it got. A
// spec reads the code from there, as a phone would get it, instead of from the development
// mailbox; only signed requests count.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const receiver = path.resolve(here, '../../../crates/server/tests/support/sms_gateway.mjs');

/** One message as the server posts it (docs/sms-gateway.md, "The request"). */
export interface GatewayMessage {
  messageId: string;
  channel: 'sms' | 'voice';
  /** E.164: `+31612345678`. */
  to: string;
  text: string;
  language: string;
  /** An office phone's extension, dialled once the call connects. */
  extension?: string;
}

/** What the receiver made of one request. */
interface Received {
  verified: boolean;
  status: number;
  message: GatewayMessage | null;
}

export interface SmsGateway {
  /** Where the server posts: `SECURITY_INFO_SMS_GATEWAY_URL`. */
  url: string;
  /** The shared secret: `SECURITY_INFO_SMS_GATEWAY_SECRET`. */
  secret: string;
  /** Everything received so far, signed or not. */
  received: Received[];
  /** Waits for the next signed message to `to` (E.164) that no earlier call returned. */
  nextMessage: (to: string) => Promise<GatewayMessage>;
  /** Stops the receiver. */
  stop: () => Promise<void>;
}

/** Starts the receiver on a free loopback port with a new secret. */
export async function startSmsGateway(): Promise<SmsGateway> {
  const secret = randomBytes(24).toString('hex'); // 48 characters; the server needs 32 or more
  // The Node.js that runs Playwright runs the receiver too (package.json pins it).
  const child: ChildProcess = spawn(process.execPath, [receiver], {
    env: { ...process.env, SMS_GATEWAY_SECRET: secret },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const received: Received[] = [];
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the SMS gateway receiver exited with ${code}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line);
      if (typeof parsed.port === 'number') resolve(parsed.port);
      else received.push(parsed as Received);
    });
  });
  // A message is returned once, and a retry with the same messageId is dropped, as a real
  // gateway would.
  const taken = new Set<string>();
  return {
    url: `http://127.0.0.1:${port}/send`,
    secret,
    received,
    nextMessage: async (to) => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const found = received.find(
          (r) => r.verified && r.status === 202 && r.message?.to === to && !taken.has(r.message.messageId),
        );
        if (found?.message) {
          taken.add(found.message.messageId);
          return found.message;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no signed message to ${to} reached the gateway`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end(); // the receiver closes when its input ends
      const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The code in a message. A text leads with it (`123456 is your Contoso verification code...`;
 * the WebOTP line repeats it): the first run of 6 to 10 digits. A call spells it out digit by
 * digit (`1, 2, 3, 4, 5, 6`) so a speech engine does not read one big number: the digits of
 * the first such sequence.
 */
export function codeIn(message: GatewayMessage): string {
  const match =
    message.channel === 'voice' ? message.text.match(/\d(?:[\s,]+\d){3,}/) : message.text.match(/\b\d{6,10}\b/);
  if (!match) throw new Error(`no code in the ${message.channel} message to ${message.to}`);
  return match[0].replace(/\D/g, '');
}
