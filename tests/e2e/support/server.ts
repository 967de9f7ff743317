// Starts the real server binary (built by `cargo xtask test`) on a free loopback port with a
// fresh SQLite database, so every spec file gets a clean, isolated server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DEMO_PASSWORD = 'e2e-demo-password';
export const ALAIN = 'alain@contoso.example';
export const MEGAN = 'megan@contoso.example';

export interface RunningServer {
  url: string;
  stop: () => Promise<void>;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`cargo xtask test\``);
  return value;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not become healthy`);
}

/** Starts a server; `env` overrides its `SECURITY_INFO_*` settings. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-info-e2e-'));
  const child = spawn(requiredEnv('SECURITY_INFO_SERVER_BIN'), [], {
    env: {
      ...process.env,
      RUST_LOG: 'warn',
      SECURITY_INFO_LISTEN: `127.0.0.1:${port}`,
      SECURITY_INFO_DATABASE_URL: `sqlite://${dataDir}/security-info.db?mode=rwc`,
      SECURITY_INFO_DIST_DIR: requiredEnv('SECURITY_INFO_DIST_DIR'),
      SECURITY_INFO_DEMO_ACCOUNTS: 'true',
      SECURITY_INFO_DEMO_PASSWORD: DEMO_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(url, child);
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
