// A real OpenID Connect provider for the server's tests: npm `oidc-provider`, resolved from
// tests/e2e/node_modules (run `npm ci` in tests/e2e once). Listens on 127.0.0.1, port 0 unless
// OIDC_PORT says otherwise, and prints `{"issuer": "http://127.0.0.1:N"}` first.
//
// It is configured like an organization's provider that hands a portal an access token for
// Security info: one confidential client `portal` (secret `portal-secret`, authorization code
// flow with PKCE, redirect URI https://portal.test/callback, never called), and resource
// indicators (RFC 8707) so that an authorization request with `resource=<OIDC_AUDIENCE>` yields
// a JWT access token (RFC 9068, `typ: at+jwt`) with `aud` = that resource. The access token
// carries `auth_time` (of the sign-in behind the code), `email` and `name`, as a provider's
// token mapper would be set up for Security info.
//
// There is no login page: development interactions are off and `/interaction/:uid` logs in
// the account named by `login_hint` (default `alice`) without a password and grants what was
// asked. The extra authorization parameter `test_auth_age=<seconds>` backdates that sign-in,
// so tests get a genuine token whose `auth_time` is old.
//
// Commands, one JSON line each on stdin, answered by one JSON line on stdout:
//   {"cmd": "rotate", "alg": "ES256"}  -> a new signing key (RS256 | ES256 | EdDSA) is published
//                                         in the JWKS and signs from now on; the old one stays
//                                         published. Answer {"kid": "..."}.
//   {"cmd": "client", "redirect_uri": "...", "post_logout_redirect_uri": "..."}
//                                      -> registers Security info's own client `security-info`
//                                         (secret `security-info-secret`, code flow with PKCE,
//                                         `auth_time` always in the ID token), once the server's
//                                         port is known. Answer {"client_id": "security-info"}.
//   {"cmd": "auth_age", "seconds": N}  -> later logins without `test_auth_age` happened N
//                                         seconds ago. Answer {"auth_age": N}.
//   {"cmd": "forge", "claims": {...}, "key": "current" | "stranger" | "none", "kid"?: "..."}
//                                      -> a JWT with exactly these claims, signed with the
//                                         provider's current private key, with a key nobody
//                                         published (the current kid unless "kid" is given), or
//                                         unsigned (`alg: none`). Answer {"token": "..."}.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import http from "node:http";
import crypto from "node:crypto";
import path from "node:path";
import readline from "node:readline";

const here = path.dirname(fileURLToPath(import.meta.url));
const e2e = process.env.OIDC_PROVIDER_MODULES ?? path.resolve(here, "../../../../tests/e2e/package.json");
const require = createRequire(e2e);
const { default: Provider, errors } = await import(require.resolve("oidc-provider"));
const jose = await import(require.resolve("jose"));

const AUDIENCE = process.env.OIDC_AUDIENCE ?? "https://security-info.test";
const OTHER_AUDIENCE = "https://other-api.test";
const USERS = {
  alice: { email: "alice@example.net", name: "Alice Example" },
  bob: { email: "bob@example.net", name: "Bob Example" },
  carol: { email: "carol@example.net", name: "Carol Example" },
  dave: { email: "dave@example.net", name: "Dave Example" },
  nomail: { name: "No Mail" },
};

function generate(alg) {
  const kid = `${alg.toLowerCase()}-${crypto.randomBytes(6).toString("hex")}`;
  let pair;
  if (alg === "RS256") pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  else if (alg === "ES256") pair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  else if (alg === "EdDSA") pair = crypto.generateKeyPairSync("ed25519");
  else throw new Error(`unknown alg ${alg}`);
  return { alg, kid, privateKey: pair.privateKey, jwk: { ...pair.privateKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}

let keys = [generate(process.env.OIDC_ALG ?? "RS256")];
const extraClients = [];
let defaultAuthAge = 0;
let current;
let issuer;

function build() {
  const signing = keys[0];
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "portal",
        client_secret: "portal-secret",
        redirect_uris: ["https://portal.test/callback"],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        id_token_signed_response_alg: signing.alg,
      },
      ...extraClients.map((client) => ({ ...client, id_token_signed_response_alg: signing.alg })),
    ],
    jwks: { keys: keys.map((k) => k.jwk) },
    cookies: { keys: ["oidc-provider-test-cookie-key"] },
    pkce: { required: () => true },
    extraParams: ["test_auth_age"],
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    conformIdTokenClaims: false,
    findAccount(_ctx, id) {
      const user = USERS[id];
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...user, email_verified: Boolean(user.email) }) };
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== AUDIENCE && indicator !== OTHER_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: "security-info",
            audience: indicator,
            accessTokenTTL: 300,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: signing.alg } },
          };
        },
      },
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== "AccessToken") return undefined;
      const user = USERS[token.accountId] ?? {};
      return { auth_time: ctx.oidc.entities.AuthorizationCode?.authTime, email: user.email, name: user.name };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  });
  provider.on("server_error", (_ctx, error) => process.stderr.write(`oidc provider: ${error.stack}\n`));
  return provider;
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  let result;
  if (prompt.name === "login") {
    const age = Number(params.test_auth_age ?? defaultAuthAge);
    result = { login: { accountId: params.login_hint ?? "alice", ts: Math.floor(Date.now() / 1000) - age, remember: false } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  const provider = current;
  if (req.url.startsWith("/interaction/")) {
    interaction(provider, req, res).catch((error) => {
      process.stderr.write(`oidc provider interaction: ${error.stack}\n`);
      res.statusCode = 500;
      res.end(String(error));
    });
  } else {
    provider.callback()(req, res);
  }
});

function b64url(value) {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function forge({ claims, key = "current", kid }) {
  const signing = keys[0];
  if (key === "none") return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
  const secret = key === "stranger" ? generate(signing.alg) : signing;
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: signing.alg, typ: "at+jwt", kid: kid ?? signing.kid })
    .sign(secret.privateKey);
}

async function handle(line) {
  const command = JSON.parse(line);
  if (command.cmd === "rotate") {
    keys = [generate(command.alg ?? "ES256"), ...keys];
    current = build();
    return { kid: keys[0].kid };
  }
  if (command.cmd === "forge") return { token: await forge(command) };
  if (command.cmd === "client") {
    extraClients.push({
      client_id: "security-info",
      client_secret: "security-info-secret",
      redirect_uris: [command.redirect_uri],
      post_logout_redirect_uris: [command.post_logout_redirect_uri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      require_auth_time: true,
    });
    current = build();
    return { client_id: "security-info" };
  }
  if (command.cmd === "auth_age") {
    defaultAuthAge = Number(command.seconds);
    return { auth_age: defaultAuthAge };
  }
  throw new Error(`unknown command ${command.cmd}`);
}

server.listen(Number(process.env.OIDC_PORT ?? 0), "127.0.0.1", () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  current = build();
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});

const input = readline.createInterface({ input: process.stdin });
input.on("line", (line) => {
  handle(line)
    .then((answer) => process.stdout.write(JSON.stringify(answer) + "\n"))
    .catch((error) => process.stdout.write(JSON.stringify({ error: String(error) }) + "\n"));
});
input.on("close", () => server.close(() => process.exit(0)));
