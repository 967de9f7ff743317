// Starts the real server binary (built by `cargo xtask test`) on a free loopback port with a
// fresh SQLite database, so every spec file gets a clean, isolated server. Specs about failures
// break that real server instead of faking answers: `halt` and `restart` (same port, same
// database) for an unreachable server, `sql` (python3's sqlite3 on the live WAL database) for
// a server that fails inside.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DEMO_PASSWORD = 'e2e-demo-password';
export const ALAIN = 'alain@contoso.example';
export const MEGAN = 'megan@contoso.example';

export interface RunningServer {
  url: string;
  /** The server's SQLite database file (WAL mode), for specs that break the real server on purpose. */
  databasePath: string;
  /** Stops the process (SIGTERM) and keeps its database, so `restart` can bring it back. */
  halt: () => Promise<void>;
  /** Starts the same binary again on the same port and database (halting it first if it runs). */
  restart: () => Promise<void>;
  /** Stops the process and deletes its database. */
  stop: () => Promise<void>;
}

/** An environment variable `cargo xtask test` sets, or a clear error. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`cargo xtask test\``);
  return value;
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
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

/** Starts a server; `env` overrides its `SECURITY_INFO_*` settings (kept across `restart`). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-info-e2e-'));
  const databasePath = path.join(dataDir, 'security-info.db');
  const url = `http://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(requiredEnv('SECURITY_INFO_SERVER_BIN'), [], {
      env: {
        ...process.env,
        RUST_LOG: 'warn',
        SECURITY_INFO_LISTEN: `127.0.0.1:${port}`,
        SECURITY_INFO_DATABASE_URL: `sqlite://${databasePath}?mode=rwc`,
        SECURITY_INFO_DIST_DIR: requiredEnv('SECURITY_INFO_DIST_DIR'),
        SECURITY_INFO_DEMO_ACCOUNTS: 'true',
        SECURITY_INFO_DEV_MAILBOX: 'true',
        SECURITY_INFO_DEMO_PASSWORD: DEMO_PASSWORD,
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitUntilHealthy(url, child);
    return child;
  };
  let child: ChildProcess | null = await launch();
  const halt = async () => {
    const running = child;
    child = null;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGTERM');
      await exited;
    }
  };
  return {
    url,
    databasePath,
    halt,
    restart: async () => {
      await halt();
      child = await launch();
    },
    stop: async () => {
      await halt();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs SQL statements on a server's database while it runs (WAL mode lets a second writer in),
 * with python3's sqlite3 module.
 */
export function sql(server: RunningServer, statements: string): void {
  const script = [
    'import sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)',
    'db.executescript(sys.argv[2])',
    'db.close()',
  ].join('\n');
  execFileSync('python3', ['-c', script, server.databasePath, statements], { stdio: 'inherit' });
}
