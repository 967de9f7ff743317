//! The OpenID Connect token hand-off, against a real provider (npm `oidc-provider` via
//! `tests/support/oidc_provider.mjs`): the tests sign users in there with the authorization
//! code flow, exactly as a portal would, and hand the access token to the API as
//! `Authorization: Bearer`. Tokens the provider would never issue (expired, unsigned, signed by
//! a stranger, naming another issuer) are made by the provider script with its real key or a
//! foreign one, so each test breaks exactly one property.

use std::{
    path::Path,
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use reqwest::{StatusCode, header};
use security_info_api::{MethodList, User};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    net::{TcpSocket, TcpStream},
    process::{Child, ChildStdin, ChildStdout, Command},
    task::JoinSet,
};

use crate::helpers::*;

/// The resource the provider issues Security info's access tokens for.
const AUDIENCE: &str = "https://security-info.test";
/// Another resource of the same provider.
const OTHER_AUDIENCE: &str = "https://other-api.test";
/// PKCE verifier and its S256 challenge.
const VERIFIER: &str = "security-info-test-verifier-0123456789-abcdefghijklmnop";
const CHALLENGE: &str = "s0RlYxQCutDVV2i4x9qg8_UfM4gnjXEXDrpAY88l5hY";
const REDIRECT_URI: &str = "https://portal.test/callback";

/// Tokens of one sign-in at the provider.
struct Tokens {
    access_token: String,
    id_token: String,
}

/// The provider process.
pub(crate) struct OidcProvider {
    pub(crate) issuer: String,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// Where the provider's stderr goes, shown when it does not answer.
    log: std::path::PathBuf,
    child: Child,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

impl OidcProvider {
    /// Starts a provider signing with `alg` (RS256, ES256 or EdDSA).
    ///
    /// A healthy start takes well under a second. On Node 20, which oidc-provider 9 calls
    /// unsupported, about 1 start in 100 hung before listening when many started at once
    /// (`cargo xtask test` runs these tests on the Node 22 of tests/e2e, where none did in the
    /// same trial); such a start is reported with its stderr, killed and tried again, at most
    /// three times.
    pub(crate) async fn start(alg: &str) -> Self {
        for attempt in 1..=3 {
            if let Some(provider) = Self::try_start(alg).await {
                return provider;
            }
            eprintln!("the OIDC provider hung at start (attempt {attempt} of 3)");
        }
        panic!("the OIDC provider did not start in three attempts");
    }

    async fn try_start(alg: &str) -> Option<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/oidc_provider.mjs");
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let log = std::env::temp_dir().join(format!(
            "security-info-oidc-provider-{}-{}.log",
            std::process::id(),
            STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .env("OIDC_ALG", alg)
            .env("OIDC_AUDIENCE", AUDIENCE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(&log).expect("a log file for the provider"),
            ))
            .kill_on_drop(true)
            .spawn()
            .expect(
                "`node` runs the OIDC provider (install Node.js and run `npm ci` in tests/e2e)",
            );
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let Some(first) = read_json(&mut lines, "issuer", Duration::from_secs(20)).await else {
            eprintln!(
                "its stderr:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            let _ = std::fs::remove_file(&log);
            return None;
        };
        Some(Self {
            issuer: first["issuer"].as_str().expect("issuer").to_owned(),
            stdin,
            lines,
            log,
            child,
        })
    }

    pub(crate) async fn command(&mut self, command: Value, answer: &str) -> Value {
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the provider");
        next_json(&mut self.lines, answer, &self.log).await
    }

    /// Publishes a new key for `alg` that signs from now on.
    async fn rotate(&mut self, alg: &str) -> String {
        let answer = self
            .command(json!({"cmd": "rotate", "alg": alg}), "kid")
            .await;
        answer["kid"].as_str().expect("kid").to_owned()
    }

    /// A token with exactly `claims`: `key` is `current`, `stranger` or `none`.
    pub(crate) async fn forge(&mut self, claims: Value, key: &str) -> String {
        let answer = self
            .command(
                json!({"cmd": "forge", "claims": claims, "key": key}),
                "token",
            )
            .await;
        answer["token"].as_str().expect("token").to_owned()
    }

    /// A token with exactly `claims`, signed with a key nobody published, naming key `kid`.
    async fn forge_with_kid(&mut self, claims: Value, kid: &str) -> String {
        let command = json!({"cmd": "forge", "claims": claims, "key": "stranger", "kid": kid});
        let answer = self.command(command, "token").await;
        answer["token"].as_str().expect("token").to_owned()
    }

    /// Stops the provider (its port is then free) and returns its port.
    pub(crate) async fn stop(&mut self) -> u16 {
        self.child.kill().await.expect("the provider stops");
        reqwest::Url::parse(&self.issuer)
            .expect("issuer")
            .port()
            .expect("port")
    }

    /// Claims of a valid access token for `sub`, which tests then break one at a time.
    fn claims(&self, sub: &str) -> Value {
        let now = now();
        json!({
            "iss": self.issuer, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 300,
            "auth_time": now, "email": format!("{sub}@example.net"), "name": "Forged Example",
            "client_id": "portal", "scope": "security-info",
        })
    }

    /// Signs `user` in with the authorization code flow (PKCE), `auth_age` seconds ago, and
    /// redeems the code for tokens for `resource`.
    async fn sign_in(&self, user: &str, auth_age: u64, resource: &str) -> Tokens {
        let browser = client();
        let mut url = reqwest::Url::parse(&format!("{}/auth", self.issuer)).expect("url");
        url.query_pairs_mut()
            .append_pair("client_id", "portal")
            .append_pair("response_type", "code")
            .append_pair("scope", "openid email profile security-info")
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256")
            .append_pair("resource", resource)
            .append_pair("login_hint", user)
            .append_pair("test_auth_age", &auth_age.to_string());
        let mut code = None;
        for _ in 0..10 {
            let response = browser.get(url.clone()).send().await.expect("provider");
            assert!(
                response.status().is_redirection(),
                "the provider redirects, got {}",
                response.status()
            );
            let location = response.headers()[header::LOCATION]
                .to_str()
                .expect("ascii");
            url = url.join(location).expect("location");
            if url.as_str().starts_with(REDIRECT_URI) {
                code = url
                    .query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned());
                break;
            }
        }
        let code = code.expect("an authorization code");
        let response = client()
            .post(format!("{}/token", self.issuer))
            .basic_auth("portal", Some("portal-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
                ("resource", resource),
            ])
            .send()
            .await
            .expect("token endpoint");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("tokens");
        Tokens {
            access_token: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            id_token: body["id_token"].as_str().expect("id token").to_owned(),
        }
    }

    /// A fresh access token for Security info.
    async fn token(&self, user: &str) -> String {
        self.sign_in(user, 0, AUDIENCE).await.access_token
    }
}

/// The next JSON line of the provider that has `key`, or `None` after `limit`.
async fn read_json(
    lines: &mut Lines<BufReader<ChildStdout>>,
    key: &str,
    limit: Duration,
) -> Option<Value> {
    tokio::time::timeout(limit, async {
        loop {
            let line = lines
                .next_line()
                .await
                .expect("read")
                .expect("the OIDC provider is running (did `npm ci` run in tests/e2e?)");
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                assert!(value.get("error").is_none(), "provider: {value}");
                if value.get(key).is_some() {
                    return value;
                }
            }
        }
    })
    .await
    .ok()
}

/// The answer with `key` to a command; on a timeout the panic shows the provider's stderr.
async fn next_json(lines: &mut Lines<BufReader<ChildStdout>>, key: &str, log: &Path) -> Value {
    read_json(lines, key, Duration::from_secs(90))
        .await
        .unwrap_or_else(|| {
            panic!(
                "the OIDC provider did not answer with `{key}` in 90 s; its stderr:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        })
}

/// The server, trusting `provider`.
async fn app_for(provider: &OidcProvider) -> TestApp {
    TestApp::spawn_with(&[
        "--oidc-issuer",
        &provider.issuer,
        "--oidc-audience",
        AUDIENCE,
    ])
    .await
}

async fn get_with(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    client()
        .get(app.api(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn post_with(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    client()
        .post(app.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn delete_with(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    client()
        .delete(app.api(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

/// The token user's methods.
async fn methods_with(app: &TestApp, token: &str) -> MethodList {
    get_with(app, "/me/methods", token)
        .await
        .json()
        .await
        .expect("methods")
}

/// Submits the code of registration `id` as the token user.
async fn verify_with(app: &TestApp, id: &str, token: &str, code: &str) -> reqwest::Response {
    let path = format!("/me/registrations/{id}/verify");
    post_with(app, &path, token, json!({"kind": "code", "code": code})).await
}

/// Asserts the server takes `token` as a sign-in.
async fn assert_accepted(app: &TestApp, token: &str) {
    assert_eq!(get_with(app, "/me", token).await.status(), StatusCode::OK);
}

/// Asserts the server refuses `token` as a sign-in.
async fn assert_refused(app: &TestApp, token: &str) {
    assert_problem(
        get_with(app, "/me/methods", token).await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn a_token_from_the_portal_sign_in_lists_methods_and_creates_the_user_on_first_use() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let token = provider.token("alice").await;

    let info: security_info_api::EmbeddingInfo = app.get_json("/embedding").await;
    assert!(info.bearer_tokens, "the app may ask its host for a token");

    let response = get_with(&app, "/me", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: User = response.json().await.expect("user");
    assert_eq!(user.user_principal_name, "alice@example.net");
    assert_eq!(user.display_name, "Alice Example");

    let response = get_with(&app, "/me/methods", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let methods: MethodList = response.json().await.expect("methods");
    assert!(methods.methods.is_empty());

    // A second sign-in is the same user: (iss, sub), one account, one link.
    let again: User = get_with(&app, "/me", &provider.token("alice").await)
        .await
        .json()
        .await
        .expect("user");
    assert_eq!(again.id, user.id);
    let db = app.db().await;
    let pool = db.pool();
    let links: Vec<(String, String)> =
        sqlx::query_as("select issuer, subject from external_identity")
            .fetch_all(pool)
            .await
            .expect("links");
    assert_eq!(links, vec![(provider.issuer.clone(), "alice".to_owned())]);
}

#[tokio::test]
async fn the_tokens_of_an_account_an_operator_disabled_are_refused_until_it_is_enabled() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let token = provider.token("alice").await;
    assert_accepted(&app, &token).await;

    let run =
        crate::accounts_cli::accounts(&app.database_url, &["disable", "alice@example.net"], None)
            .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_refused(&app, &token).await;
    assert_refused(&app, &provider.token("alice").await).await;
    // Its sign-in through the provider makes no second account either.
    let accounts: i64 = sqlx::query_scalar("select count(*) from account")
        .fetch_one(app.db().await.pool())
        .await
        .expect("count");
    assert_eq!(accounts, 3, "the demo accounts and Alice's");

    let run =
        crate::accounts_cli::accounts(&app.database_url, &["enable", "alice@example.net"], None)
            .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_accepted(&app, &token).await;
}

#[tokio::test]
async fn a_fresh_token_adds_verifies_and_deletes_an_email_method() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let token = provider.token("alice").await;

    let response = post_with(
        &app,
        "/me/registrations",
        &token,
        json!({"type": "email", "emailAddress": "alice.private@example.org"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Value = response.json().await.expect("registration");
    let id = registration["id"].as_str().expect("id");
    let code = app.code_sent_to("alice.private@example.org").await;

    let response = verify_with(&app, id, &token, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let methods = methods_with(&app, &token).await;
    assert_eq!(methods.methods.len(), 1);
    let method_id = methods.methods[0].id.clone();

    let response = delete_with(&app, &format!("/me/methods/{method_id}"), &token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let methods = methods_with(&app, &token).await;
    assert!(methods.methods.is_empty());
    // The change notices go to the address from the token.
    app.wait_for_mail_count("alice@example.net", 2).await;
}

#[tokio::test]
async fn a_stale_auth_time_needs_reauthentication_for_changes_but_not_for_reading() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    // Signed in nine minutes ago: recent enough to add a method.
    let recent = provider
        .sign_in("alice", 9 * 60, AUDIENCE)
        .await
        .access_token;
    let response = post_with(
        &app,
        "/me/registrations",
        &recent,
        json!({"type": "email", "emailAddress": "alice.private@example.org"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Value = response.json().await.expect("registration");
    let id = registration["id"].as_str().expect("id").to_owned();
    let code = app.code_sent_to("alice.private@example.org").await;

    // Signed in eleven minutes ago: reading works, changing does not.
    let stale = provider
        .sign_in("alice", 11 * 60, AUDIENCE)
        .await
        .access_token;
    assert_eq!(
        get_with(&app, "/me/methods", &stale).await.status(),
        StatusCode::OK
    );
    let response = verify_with(&app, &id, &stale, &code).await;
    assert_problem(response, 401, "reauthentication_required").await;
    let response = post_with(
        &app,
        "/me/registrations",
        &stale,
        json!({"type": "email", "emailAddress": "alice.other@example.org"}),
    )
    .await;
    assert_problem(response, 401, "reauthentication_required").await;

    let response = verify_with(&app, &id, &recent, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let methods = methods_with(&app, &stale).await;
    let method_id = &methods.methods[0].id;
    let response = delete_with(&app, &format!("/me/methods/{method_id}"), &stale).await;
    assert_problem(response, 401, "reauthentication_required").await;
}

#[tokio::test]
async fn a_token_without_auth_time_never_counts_as_a_recent_sign_in() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let mut claims = provider.claims("carol");
    claims.as_object_mut().expect("object").remove("auth_time");
    let token = provider.forge(claims, "current").await;
    assert_eq!(
        get_with(&app, "/me/methods", &token).await.status(),
        StatusCode::OK
    );
    let response = post_with(
        &app,
        "/me/registrations",
        &token,
        json!({"type": "email", "emailAddress": "carol.private@example.org"}),
    )
    .await;
    assert_problem(response, 401, "reauthentication_required").await;
}

#[tokio::test]
async fn an_expired_token_is_refused_and_clock_skew_is_tolerated_up_to_a_minute() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;

    let mut claims = provider.claims("carol");
    claims["iat"] = json!(now() - 600);
    claims["exp"] = json!(now() - 90);
    let expired = provider.forge(claims.clone(), "current").await;
    assert_refused(&app, &expired).await;

    claims["exp"] = json!(now() - 20);
    let just_expired = provider.forge(claims.clone(), "current").await;
    assert_accepted(&app, &just_expired).await;

    let mut claims = provider.claims("carol");
    claims["nbf"] = json!(now() + 120);
    let not_yet = provider.forge(claims, "current").await;
    assert_refused(&app, &not_yet).await;

    let mut claims = provider.claims("carol");
    claims.as_object_mut().expect("object").remove("exp");
    let eternal = provider.forge(claims, "current").await;
    assert_refused(&app, &eternal).await;
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    // The portal's own ID token (aud = the portal's client id).
    let tokens = provider.sign_in("alice", 0, AUDIENCE).await;
    assert_refused(&app, &tokens.id_token).await;
    // An access token the same provider issued for another API.
    let other = provider.sign_in("alice", 0, OTHER_AUDIENCE).await;
    assert_refused(&app, &other.access_token).await;
    // The genuine one works.
    assert_accepted(&app, &tokens.access_token).await;
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let mut provider = OidcProvider::start("RS256").await;
    let stranger = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    // A real token of another provider, for the same audience.
    assert_refused(&app, &stranger.token("alice").await).await;
    // Signed with our provider's own key, but naming another issuer.
    let mut claims = provider.claims("alice");
    claims["iss"] = json!(stranger.issuer);
    let token = provider.forge(claims, "current").await;
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn an_unsigned_token_is_refused() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    // The server has the provider's keys cached, so nothing but the algorithm decides.
    assert_accepted(&app, &provider.token("alice").await).await;
    let claims = provider.claims("alice");
    let token = provider.forge(claims, "none").await;
    assert!(token.ends_with('.'), "alg none has an empty signature");
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn a_token_signed_with_an_unknown_key_is_refused() {
    let mut provider = OidcProvider::start("ES256").await;
    let app = app_for(&provider).await;
    assert_accepted(&app, &provider.token("alice").await).await;
    // A stranger's key under the provider's own key id.
    let claims = provider.claims("alice");
    let token = provider.forge(claims, "stranger").await;
    assert_refused(&app, &token).await;
}

#[tokio::test]
async fn the_provider_rotating_its_keys_does_not_break_the_hand_off() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let before = provider.token("alice").await;
    assert_accepted(&app, &before).await;

    let kid = provider.rotate("ES256").await;
    let after = provider.token("alice").await;
    let header = after.split('.').next().expect("header");
    assert!(
        String::from_utf8_lossy(&decode_base64url(header)).contains(&kid),
        "the new token is signed with the new key"
    );
    assert_accepted(&app, &after).await;
    // The old key is still published, so tokens signed before the rotation still work.
    assert_accepted(&app, &before).await;
}

#[tokio::test]
async fn an_eddsa_provider_is_accepted() {
    let provider = OidcProvider::start("EdDSA").await;
    let app = app_for(&provider).await;
    let token = provider.token("bob").await;
    let response = get_with(&app, "/me", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: User = response.json().await.expect("user");
    assert_eq!(user.user_principal_name, "bob@example.net");
}

#[tokio::test]
async fn a_token_without_an_email_address_is_refused() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    assert_refused(&app, &provider.token("nomail").await).await;
}

#[tokio::test]
async fn a_token_is_never_confused_with_the_session_cookie() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    app.sign_in(ALAIN).await;
    // Alain's cookie rides along, but a request with a bad token is refused all the same.
    let response = app
        .client
        .get(app.api("/me"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "unauthenticated").await;
    let response = app
        .client
        .get(app.api("/me"))
        .header(header::AUTHORIZATION, "Basic YWxhaW46cGFzc3dvcmQ=")
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "unauthenticated").await;
    // And with a good token, the token's user is the one answered, not the cookie's.
    let response = app
        .client
        .get(app.api("/me"))
        .bearer_auth(provider.token("alice").await)
        .send()
        .await
        .expect("request");
    let user: User = response.json().await.expect("user");
    assert_eq!(user.user_principal_name, "alice@example.net");
}

#[tokio::test]
async fn bearer_requests_skip_the_origin_check_only_where_the_token_authenticates() {
    let provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let token = provider.token("alice").await;
    let response = client()
        .post(app.api("/me/registrations"))
        .bearer_auth(&token)
        .header(header::ORIGIN, "https://tool.contoso.example")
        .json(&json!({"type": "email", "emailAddress": "alice.private@example.org"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // The JSON content type is still required.
    let response = client()
        .post(app.api("/me/registrations"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(r#"{"type":"email","emailAddress": "alice.private@example.org"}"#)
        .send()
        .await
        .expect("request");
    assert_problem(response, 415, "unsupported_media_type").await;
    // `/session` is cookie business: a token there changes nothing about the Origin rule.
    let response = client()
        .post(app.api("/session"))
        .bearer_auth(&token)
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 403, "forbidden_origin").await;
}

#[tokio::test]
async fn without_a_configured_provider_bearer_tokens_are_refused() {
    let provider = OidcProvider::start("RS256").await;
    let app = TestApp::spawn().await;
    assert_refused(&app, &provider.token("alice").await).await;
}

#[tokio::test]
async fn an_unreachable_provider_is_a_503_not_a_sign_in_failure() {
    let mut provider = OidcProvider::start("RS256").await;
    let claims = provider.claims("alice");
    let token = provider.forge(claims, "current").await;
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = TestApp::spawn_with(&[
        "--oidc-issuer",
        &format!("http://127.0.0.1:{port}"),
        "--oidc-audience",
        AUDIENCE,
    ])
    .await;
    assert_problem(
        get_with(&app, "/me", &token).await,
        503,
        "service_unavailable",
    )
    .await;
}

/// What answers on a stopped provider's port: a listener that takes connections and says
/// nothing (a hung provider) until [`DeadProvider::hang_up`], and from then on closes them at
/// once. Each connection is one attempt of the server to fetch the provider's keys.
struct DeadProvider {
    connections: Arc<AtomicUsize>,
    /// The connections held open while hanging; `None` once hung up.
    held: Arc<std::sync::Mutex<Option<Vec<TcpStream>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl DeadProvider {
    /// Listens on `port` (the stopped provider's), hanging or closing at once.
    async fn listen(port: u16, hanging: bool) -> Self {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            let socket = TcpSocket::new_v4().expect("socket");
            socket.set_reuseaddr(true).expect("SO_REUSEADDR");
            match socket.bind(address).and_then(|()| socket.listen(64)) {
                Ok(listener) => break listener,
                Err(error) if Instant::now() > deadline => {
                    panic!("cannot listen on the provider's port {port}: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let connections = Arc::new(AtomicUsize::new(0));
        let held = Arc::new(std::sync::Mutex::new(hanging.then(Vec::new)));
        let task = tokio::spawn({
            let connections = Arc::clone(&connections);
            let held = Arc::clone(&held);
            async move {
                while let Ok((socket, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::SeqCst);
                    if let Some(held) = held.lock().expect("lock").as_mut() {
                        held.push(socket);
                    }
                }
            }
        });
        Self {
            connections,
            held,
            task,
        }
    }

    /// Connections taken so far.
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Closes the held connections (the server's fetch fails at once) and closes later ones
    /// as they come.
    fn hang_up(&self) {
        self.held.lock().expect("lock").take();
    }
}

impl Drop for DeadProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn while_the_provider_is_down_known_keys_answer_at_once_and_unknown_ones_are_not_fetched_per_request()
 {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&provider).await;
    let token = provider.token("alice").await;
    assert_accepted(&app, &token).await;
    let claims = provider.claims("alice");
    let unknown = provider.forge_with_kid(claims, "retired-key").await;
    let port = provider.stop().await;
    let dead = DeadProvider::listen(port, true).await;

    // A token naming a key the server does not know makes it ask the (hung) provider again.
    let mut waiting = JoinSet::new();
    for _ in 0..3 {
        let request = client().get(app.api("/me/methods")).bearer_auth(&unknown);
        waiting.spawn(async move { request.send().await.expect("request").status() });
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while dead.connections() == 0 {
        assert!(
            Instant::now() < deadline,
            "the server never asked the provider"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Meanwhile tokens signed with a known key answer at once: nothing waits for the provider.
    for _ in 0..3 {
        let answer = tokio::time::timeout(Duration::from_secs(2), get_with(&app, "/me", &token))
            .await
            .expect("a known key answers while a fetch hangs");
        assert_eq!(answer.status(), StatusCode::OK);
    }
    dead.hang_up();
    while let Some(status) = waiting.join_next().await {
        assert_eq!(status.expect("task"), StatusCode::UNAUTHORIZED);
    }
    // After the failed fetch the server backs off: more unknown keys, no more fetches.
    for _ in 0..10 {
        assert_refused(&app, &unknown).await;
    }
    assert_eq!(dead.connections(), 1, "one fetch for all the unknown keys");
    assert_accepted(&app, &token).await;
}

#[tokio::test]
async fn a_provider_down_before_the_first_token_is_asked_once_not_per_request() {
    let mut provider = OidcProvider::start("RS256").await;
    let claims = provider.claims("alice");
    let token = provider.forge(claims, "current").await;
    let app = app_for(&provider).await;
    let port = provider.stop().await;
    let dead = DeadProvider::listen(port, false).await;
    for _ in 0..5 {
        let started = Instant::now();
        let response = get_with(&app, "/me", &token).await;
        assert_problem(response, 503, "service_unavailable").await;
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(dead.connections(), 1, "one failed fetch, then a back-off");
}

fn decode_base64url(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&c| c == byte).expect("base64url") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
