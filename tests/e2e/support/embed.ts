// Helpers for the embedding specs: the app's server on http://localhost:B with chosen embed
// origins (and optionally an OpenID Connect issuer), static host pages on other origins, and
// a real OpenID Connect provider (npm oidc-provider, the server tests' script) that issues the
// tokens a host hands over, through the authorization code flow with PKCE as a portal would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, freePort, requiredEnv } from './server';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
/** The example portal (examples/portal), the host page of these specs. */
export const PORTAL_DIR = path.join(repo, 'examples/portal');
/** The audience the provider script issues access tokens for. */
export const AUDIENCE = 'https://security-info.test';

export interface EmbeddedServer {
  /** The app's public origin, `http://localhost:B`: another site than the hosts on 127.0.0.1. */
  url: string;
  /** The same server as `http://127.0.0.1:B`, for the specs' own requests (the mailbox). */
  apiUrl: string;
  stop: () => Promise<void>;
}

/**
 * Starts the real server on 127.0.0.1:B with `SECURITY_INFO_PUBLIC_ORIGIN=http://localhost:B`
 * and the given settings (startServer picks its own port, which the public origin must name).
 */
export async function startEmbeddedServer(env: Record<string, string>): Promise<EmbeddedServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-info-embed-'));
  const url = `http://localhost:${port}`;
  const child = spawn(requiredEnv('SECURITY_INFO_SERVER_BIN'), [], {
    env: {
      ...process.env,
      RUST_LOG: 'warn',
      SECURITY_INFO_LISTEN: `127.0.0.1:${port}`,
      SECURITY_INFO_PUBLIC_ORIGIN: url,
      SECURITY_INFO_DATABASE_URL: `sqlite://${dataDir}/security-info.db?mode=rwc`,
      SECURITY_INFO_DIST_DIR: requiredEnv('SECURITY_INFO_DIST_DIR'),
      SECURITY_INFO_DEMO_ACCOUNTS: 'true',
      SECURITY_INFO_DEV_MAILBOX: 'true',
      SECURITY_INFO_DEMO_PASSWORD: DEMO_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`server at ${url} did not become healthy`);
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (healthy) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    apiUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export interface StaticSite {
  /** `http://<host>:<port>` */
  origin: string;
  stop: () => Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serves the files of `dir` (no listing, no paths outside it) on `host`, a loopback name. */
export async function serveStatic(dir: string, host = '127.0.0.1'): Promise<StaticSite> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(dir, pathname === '/' ? 'index.html' : decodeURIComponent(pathname));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://${host}:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface OidcProvider {
  issuer: string;
  /**
   * An access token for Security info, issued by the provider to the portal client after `user`
   * signed in `authAge` seconds ago (the provider's `auth_time`).
   */
  issue: (user: string, authAge?: number) => Promise<string>;
  stop: () => Promise<void>;
}

/** The portal client registered at the provider script, and its PKCE pair. */
const CLIENT = { id: 'portal', secret: 'portal-secret', redirectUri: 'https://portal.test/callback' };
const PKCE = {
  verifier: 'security-info-test-verifier-0123456789-abcdefghijklmnop',
  challenge: 's0RlYxQCutDVV2i4x9qg8_UfM4gnjXEXDrpAY88l5hY',
};

/** Runs the authorization code flow with PKCE against `issuer` and redeems the code. */
async function issueToken(issuer: string, user: string, authAge: number): Promise<string> {
  const jar = new Map<string, string>();
  let url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CLIENT.id,
    response_type: 'code',
    scope: 'openid email profile security-info',
    redirect_uri: CLIENT.redirectUri,
    code_challenge: PKCE.challenge,
    code_challenge_method: 'S256',
    resource: AUDIENCE,
    login_hint: user,
    test_auth_age: String(authAge),
  }).toString();
  let code: string | null = null;
  for (let hop = 0; hop < 10 && !code; hop++) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const header of response.headers.getSetCookie()) {
      const pair = header.split(';')[0];
      const equals = pair.indexOf('=');
      jar.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider answered ${response.status} without a redirect`);
    url = new URL(location, url);
    if (url.href.startsWith(CLIENT.redirectUri)) code = url.searchParams.get('code');
  }
  if (!code) throw new Error('the provider gave no authorization code');
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirectUri,
      code_verifier: PKCE.verifier,
      resource: AUDIENCE,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`the token endpoint answered ${response.status}: ${body.error}`);
  return body.access_token;
}

/** Starts the server tests' real OpenID Connect provider on loopback. */
export async function startOidcProvider(): Promise<OidcProvider> {
  const script = path.join(repo, 'crates/server/tests/support/oidc_provider.mjs');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, OIDC_AUDIENCE: AUDIENCE },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  const { issuer } = JSON.parse(first) as { issuer: string };
  return {
    issuer,
    issue: (user, authAge = 0) => issueToken(issuer, user, authAge),
    stop: async () => {
      child.stdin!.end();
      await stopChild(child);
    },
  };
}

