//! The one HTTP client of the app: every call to `/api/v1` goes through [`request`].
//!
//! Typed wrappers per call keep URLs and bodies in one place. Every request carries the chosen
//! language (`Accept-Language`) so mail matches the page. POSTs and PATCHes always send
//! `Content-Type: application/json`, with `{}` when there is nothing to say: the server's CSRF
//! rule refuses anything else. A non-2xx answer becomes an [`ApiError`] built from the RFC 9457
//! problem body; `unauthenticated` also calls the handler the app installs (back to sign-in).
//!
//! Embedded with a token from the host ([`crate::embed`]), every call carries
//! `Authorization: Bearer` instead of relying on the cookie session; a call answered
//! `unauthenticated` then asks the host for a fresh token and runs once more before giving up.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Method as HttpMethod, Request, RequestBuilder, Response};
use security_info_api::{
    API_PREFIX, ActivityList, EmbeddingInfo, HandOff, HandedOffCredential, KeyPrompt, Method,
    MethodCreated, MethodList, MethodTypeList, NewPassword, PasswordReset, PasswordVerdict,
    PhoneRegions, Problem, ProblemCode, ReauthenticateRequest, RecoveryCodeStatus, RecoveryCodes,
    Registration, RegistrationAnswer, RegistrationProgress, RenameMethod, ResetAnswer,
    ResetChallenge, ResetChoice, SecondStep, SecondStepAnswer, SecondStepChallenge,
    SecondStepChoice, SecondStepPassed, SecondStepRequired, SessionResponse, SetDefaultMethod,
    SignInOptions, SignInRequest, SignedOut, StartPasswordReset, StartRegistration, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::i18n::current_lang;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with a problem body.
    Problem(Problem),
    /// The server could not be reached (offline, DNS, connection reset).
    Network,
    /// A non-2xx answer without a problem body (a proxy error page, say).
    Status(u16),
    /// A 2xx answer whose body is not what the contract says.
    Decode,
}

impl ApiError {
    /// The problem code, when the server sent one.
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            ApiError::Problem(problem) => Some(problem.code),
            _ => None,
        }
    }

    /// Whether trying the same call again may work (network trouble, server errors).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network | ApiError::Decode => true,
            ApiError::Status(status) => *status >= 500 || *status == 429,
            ApiError::Problem(problem) => problem.status >= 500,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Problem(problem) => {
                write!(f, "{} ({})", problem.title, problem.code.as_str())
            }
            ApiError::Network => f.write_str("the server could not be reached"),
            ApiError::Status(status) => write!(f, "the server answered {status}"),
            ApiError::Decode => f.write_str("the server's answer was not understood"),
        }
    }
}

impl std::error::Error for ApiError {}

/// Result of an API call.
pub type ApiResult<T> = Result<T, ApiError>;

type Handler = Rc<dyn Fn()>;

thread_local! {
    static ON_UNAUTHENTICATED: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

/// Installs what happens when a call answers `unauthenticated` (the app goes to sign-in).
pub fn set_unauthenticated_handler(handler: impl Fn() + 'static) {
    ON_UNAUTHENTICATED.with(|slot| *slot.borrow_mut() = Some(Rc::new(handler)));
}

fn unauthenticated() {
    let handler = ON_UNAUTHENTICATED.with(|slot| slot.borrow().clone());
    if let Some(handler) = handler {
        handler();
    }
}

/// A request body: JSON, or `{}` for calls that take none.
#[derive(Clone, Copy)]
enum Body<'a> {
    Json(&'a dyn erased::Json),
    Empty,
}

/// Object-safe serialization, so [`request`] needs no generic body parameter.
mod erased {
    /// A value that serializes to a JSON string.
    pub trait Json {
        /// The JSON text.
        fn to_json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}

/// Sends one request and returns the raw successful response; every call goes through here.
/// With a host-given token, an `unauthenticated` answer is retried once after a fresh token.
async fn request(method: HttpMethod, path: &str, body: Option<Body<'_>>) -> ApiResult<Response> {
    let token = crate::embed::token::current();
    let result = send(method.clone(), path, body, token.as_deref()).await;
    let result = match result {
        Err(error) if error.code() == Some(ProblemCode::Unauthenticated) => {
            if crate::embed::host::fresh_token(token).await {
                let token = crate::embed::token::current();
                send(method, path, body, token.as_deref()).await
            } else {
                Err(error)
            }
        }
        other => other,
    };
    if let Err(error) = &result
        && error.code() == Some(ProblemCode::Unauthenticated)
    {
        unauthenticated();
    }
    result
}

/// One HTTP exchange: a non-2xx answer becomes an [`ApiError`].
async fn send(
    method: HttpMethod,
    path: &str,
    body: Option<Body<'_>>,
    token: Option<&str>,
) -> ApiResult<Response> {
    let url = format!("{API_PREFIX}{path}");
    let mut builder = RequestBuilder::new(&url)
        .method(method)
        .header("Accept", "application/json, application/problem+json")
        .header("Accept-Language", current_lang().code());
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request: Result<Request, _> = match body {
        None => builder.build(),
        Some(body) => {
            let json = match body {
                Body::Json(value) => value.to_json().map_err(|_| ApiError::Decode)?,
                Body::Empty => "{}".to_owned(),
            };
            builder
                .header("Content-Type", "application/json")
                .body(json)
        }
    };
    let response = request
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    Err(match response.json::<Problem>().await {
        Ok(problem) => ApiError::Problem(problem),
        Err(_) => ApiError::Status(status),
    })
}

async fn json<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    response.json::<T>().await.map_err(|_| ApiError::Decode)
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    json(request(HttpMethod::GET, path, None).await?).await
}

async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> ApiResult<T> {
    json(request(HttpMethod::POST, path, Some(Body::Json(body))).await?).await
}

/// The QR code of a pending authenticator app registration: the SVG at the challenge's
/// `qrCodeUrl`. Fetched by this client rather than by an `<img>`, so that inside a portal the
/// portal's token goes with it as with every other call.
pub async fn qr_code(qr_code_url: String) -> ApiResult<String> {
    let path = qr_code_url
        .strip_prefix(API_PREFIX)
        .ok_or(ApiError::Decode)?
        .to_owned();
    request(HttpMethod::GET, &path, None)
        .await?
        .text()
        .await
        .map_err(|_| ApiError::Decode)
}

/// What a right password leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordAccepted<T> {
    /// Done: the session exists (sign-in) or counts as fresh (step-up).
    Done(T),
    /// `202`: one of the user's two-step methods must prove them first.
    SecondStep(SecondStep),
}

/// `POST /session`: signs in, or asks for the second step (`202`).
pub async fn sign_in(username: String, password: String) -> ApiResult<PasswordAccepted<User>> {
    let body = SignInRequest { username, password };
    let response = request(HttpMethod::POST, "/session", Some(Body::Json(&body))).await?;
    if response.status() == 202 {
        let required: SecondStepRequired = json(response).await?;
        return Ok(PasswordAccepted::SecondStep(required.second_step));
    }
    let session: SessionResponse = json(response).await?;
    Ok(PasswordAccepted::Done(session.user))
}

/// `POST /session/second-step/challenge`: asks for the challenge of the way the user picked
/// (for a phone, sends the code; asking again for the same phone sends a new one).
pub async fn second_step_challenge(choice: SecondStepChoice) -> ApiResult<SecondStepChallenge> {
    post("/session/second-step/challenge", &choice).await
}

/// `POST /session/second-step`: answers the second step of a sign-in or a step-up.
pub async fn second_step_answer(answer: SecondStepAnswer) -> ApiResult<SecondStepPassed> {
    post("/session/second-step", &answer).await
}

/// `DELETE /session`: signs out; for a user of the identity provider, where to sign out
/// there too (its end-session URL).
pub async fn sign_out() -> ApiResult<Option<String>> {
    let response = request(HttpMethod::DELETE, "/session", None).await?;
    if response.status() == 200 {
        let signed_out: SignedOut = json(response).await?;
        return Ok(Some(signed_out.end_session_url));
    }
    Ok(None)
}

/// `GET /sign-in-options`: what the sign-in page offers.
pub async fn sign_in_options() -> ApiResult<SignInOptions> {
    get("/sign-in-options").await
}

/// Where "Sign in with <organization>" goes: a top-level navigation to the server, which
/// sends the browser on to the identity provider.
pub const PROVIDER_SIGN_IN: &str = "/api/v1/oidc/sign-in";

/// The same for a step-up of a user of the identity provider.
pub const PROVIDER_STEP_UP: &str = "/api/v1/oidc/sign-in?purpose=step-up";

/// `DELETE /me/sessions`: ends every session of the account, this browser's included.
pub async fn sign_out_everywhere() -> ApiResult<()> {
    request(HttpMethod::DELETE, "/me/sessions", None)
        .await
        .map(drop)
}

/// `POST /session/reauthenticate`: confirms the password before a change; a user with a
/// two-step method then passes the second step too (`202`).
pub async fn reauthenticate(password: String) -> ApiResult<PasswordAccepted<()>> {
    let body = ReauthenticateRequest { password };
    let response = request(
        HttpMethod::POST,
        "/session/reauthenticate",
        Some(Body::Json(&body)),
    )
    .await?;
    if response.status() == 202 {
        let required: SecondStepRequired = json(response).await?;
        return Ok(PasswordAccepted::SecondStep(required.second_step));
    }
    Ok(PasswordAccepted::Done(()))
}

/// `GET /embedding`: the origins allowed to frame the app and whether tokens are accepted.
pub async fn embedding() -> ApiResult<EmbeddingInfo> {
    get("/embedding").await
}

/// `GET /me`: the signed-in user.
pub async fn me() -> ApiResult<User> {
    get("/me").await
}

/// `GET /me/methods`: the user's methods, each with its type's own detail.
pub async fn methods() -> ApiResult<MethodList> {
    get("/me/methods").await
}

/// `GET /me/method-types`: the types this server can register, and whether (or why not) the
/// user may add one now.
pub async fn method_types() -> ApiResult<MethodTypeList> {
    get("/me/method-types").await
}

/// `GET /phone-regions`: the countries and regions whose phone numbers the organization
/// accepts, with their calling codes (the app names them in the page's language).
pub async fn phone_regions() -> ApiResult<PhoneRegions> {
    get("/phone-regions").await
}

/// `POST /me/registrations`: starts adding a method of a type (for a code, sends it) and
/// returns the challenge to answer.
pub async fn start_registration(start: StartRegistration) -> ApiResult<Registration> {
    post("/me/registrations", &start).await
}

/// `POST /me/registrations/{id}/resend`: sends a new code (the old one stops working) and
/// returns the challenge with its new times.
pub async fn resend_registration(registration_id: String) -> ApiResult<Registration> {
    let path = format!("/me/registrations/{}/resend", encode(&registration_id));
    json(request(HttpMethod::POST, &path, Some(Body::Empty)).await?).await
}

/// `POST /me/registrations/{id}/verify`: answers the challenge; a right answer registers the
/// method.
pub async fn answer_registration(
    registration_id: String,
    answer: RegistrationAnswer,
) -> ApiResult<MethodCreated> {
    let path = format!("/me/registrations/{}/verify", encode(&registration_id));
    post(&path, &answer).await
}

/// `GET /me/registrations/{id}`: where a registration is in its life.
pub async fn registration_progress(registration_id: String) -> ApiResult<RegistrationProgress> {
    get(&format!("/me/registrations/{}", encode(&registration_id))).await
}

/// `POST /security-key-registrations/{id}/options`: a handed-off registration's options, in a
/// window without a session.
pub async fn key_prompt(registration_id: String, hand_off: HandOff) -> ApiResult<KeyPrompt> {
    let path = format!(
        "/security-key-registrations/{}/options",
        encode(&registration_id)
    );
    post(&path, &hand_off).await
}

/// `POST /security-key-registrations/{id}/verify`: answers a handed-off registration.
pub async fn verify_handed_off_key(
    registration_id: String,
    body: HandedOffCredential,
) -> ApiResult<MethodCreated> {
    let path = format!(
        "/security-key-registrations/{}/verify",
        encode(&registration_id)
    );
    post(&path, &body).await
}

/// `PATCH /me/methods/{id}`: gives a method of a type that has a name another name.
pub async fn rename_method(method_id: String, name: String) -> ApiResult<Method> {
    let path = format!("/me/methods/{}", encode(&method_id));
    let body = RenameMethod { name };
    json(request(HttpMethod::PATCH, &path, Some(Body::Json(&body))).await?).await
}

/// `DELETE /me/methods/{id}`: removes a method.
pub async fn delete_method(method_id: String) -> ApiResult<()> {
    let path = format!("/me/methods/{}", encode(&method_id));
    request(HttpMethod::DELETE, &path, None).await.map(drop)
}

/// `GET /me/activity`: the user's own security events.
pub async fn activity() -> ApiResult<ActivityList> {
    get("/me/activity").await
}

/// `GET /me/recovery-codes`: how many unused recovery codes the user has.
pub async fn recovery_code_status() -> ApiResult<RecoveryCodeStatus> {
    get("/me/recovery-codes").await
}

/// `POST /me/recovery-codes`: makes a new set (the old one stops working), shown this once.
pub async fn create_recovery_codes() -> ApiResult<RecoveryCodes> {
    json(request(HttpMethod::POST, "/me/recovery-codes", Some(Body::Empty)).await?).await
}

/// `PUT /me/default-method`: the method offered first at sign-in.
pub async fn set_default_method(method_id: String) -> ApiResult<()> {
    let body = SetDefaultMethod { method_id };
    request(
        HttpMethod::PUT,
        "/me/default-method",
        Some(Body::Json(&body)),
    )
    .await
    .map(drop)
}

/// `POST /password-reset`: starts a password reset for a work or school address (every
/// address gets the same answer: the ways the organization allows).
pub async fn start_password_reset(username: String) -> ApiResult<PasswordReset> {
    post("/password-reset", &StartPasswordReset { username }).await
}

/// `POST /password-reset/challenge`: chooses the way for the reset's next gate (for an email
/// address or a phone number the user typed, a code goes out only if it is registered).
pub async fn choose_reset_way(choice: ResetChoice) -> ApiResult<ResetChallenge> {
    post("/password-reset/challenge", &choice).await
}

/// `POST /password-reset/verify`: answers the chosen way; the reset after it.
pub async fn verify_reset_way(answer: ResetAnswer) -> ApiResult<PasswordReset> {
    post("/password-reset/verify", &answer).await
}

/// `POST /password-reset/password-check`: whether the server would take this new password.
pub async fn check_new_password(password: String) -> ApiResult<PasswordVerdict> {
    post("/password-reset/password-check", &NewPassword { password }).await
}

/// `POST /password-reset/password`: sets the new password (every session ends).
pub async fn set_new_password(password: String) -> ApiResult<()> {
    let body = NewPassword { password };
    request(
        HttpMethod::POST,
        "/password-reset/password",
        Some(Body::Json(&body)),
    )
    .await
    .map(drop)
}

/// Percent-encodes an id for a path segment (ids are opaque).
fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
