//! The security figures of the product in one place (see the GUIDE's security baseline).

use time::Duration;

/// How long a code works unless `SECURITY_INFO_CODE_TTL_SECONDS` says otherwise
/// (in use: `Settings::code_validity`).
pub const DEFAULT_CODE_VALIDITY: Duration = Duration::minutes(10);
/// The longest code validity an operator may configure: a code is a short-lived secret.
pub const MAX_CODE_VALIDITY: Duration = Duration::hours(1);
/// Wrong codes before a registration is void (across resends).
pub const MAX_FAILED_ATTEMPTS: u32 = 5;
/// Minimum time between two codes of one registration, unless
/// `SECURITY_INFO_RESEND_COOLDOWN_SECONDS` says otherwise (in use: `Settings::resend_cooldown`).
pub const DEFAULT_RESEND_COOLDOWN: Duration = Duration::seconds(60);
/// The longest resend cooldown an operator may configure: longer than a code's default life
/// would leave users waiting with an expired code.
pub const MAX_RESEND_COOLDOWN: Duration = Duration::minutes(10);
/// Codes per account per hour.
pub const CODES_PER_ACCOUNT_PER_HOUR: u32 = 5;
/// Codes per destination (address or number, over any channel) per day.
pub const CODES_PER_DESTINATION_PER_DAY: u32 = 10;
/// Phone codes to one number per hour, unless `SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_HOUR`
/// says otherwise: enough for a first try, a resend and a call.
pub const PHONE_CODES_PER_NUMBER_PER_HOUR: u32 = 3;
/// Phone codes to one number per day (`SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_DAY`).
pub const PHONE_CODES_PER_NUMBER_PER_DAY: u32 = 6;
/// Codes of any channel per account per hour when the new one is a phone code
/// (`SECURITY_INFO_PHONE_CODES_PER_ACCOUNT_PER_HOUR`).
pub const PHONE_CODES_PER_ACCOUNT_PER_HOUR: u32 = 5;
/// Phone codes asked for from one client address per hour
/// (`SECURITY_INFO_PHONE_CODES_PER_ADDRESS_PER_HOUR`): a building behind one NAT address
/// shares it, hence more than one person's worth.
pub const PHONE_CODES_PER_ADDRESS_PER_HOUR: u32 = 20;
/// Phone codes the whole server sends per hour (`SECURITY_INFO_PHONE_CODES_PER_HOUR`): the
/// ceiling on what an SMS-pumping attack can cost in an hour.
pub const PHONE_CODES_PER_HOUR: u32 = 500;
/// The highest any of the phone code limits may be set to (a typo guard).
pub const MAX_PHONE_CODE_LIMIT: u32 = 1_000_000;

/// A registration not finished this long after it started is over, whatever its codes say:
/// resending cannot keep one alive forever.
pub const REGISTRATION_LIFETIME: Duration = Duration::hours(1);

/// A session unused this long is over.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session's last use is written at most this often. Writing it on every request made every
/// read a database write (serialized writers, WAL growth, checkpoints on the request path).
/// The stored time can lag the real last use by up to this much, so an idle session ends up to
/// this much *earlier* than [`SESSION_IDLE_TIMEOUT`] after its last use, never later.
pub const SESSION_TOUCH_INTERVAL: Duration = Duration::minutes(1);
/// A session is over this long after sign-in, used or not.
pub const SESSION_ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Adding or deleting a method needs a sign-in or re-authentication this recent, unless
/// `SECURITY_INFO_STEP_UP_SECONDS` says otherwise (in use: `Settings::step_up_window`).
pub const DEFAULT_STEP_UP_WINDOW: Duration = Duration::minutes(10);
/// The longest step-up window an operator may configure: no session lives longer.
pub const MAX_STEP_UP_WINDOW: Duration = SESSION_ABSOLUTE_TIMEOUT;

/// Window over which failed password checks (sign-in and re-authentication) are counted.
pub const SIGN_IN_FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failed password checks for one account from one client address in the window before that
/// address is refused for that account. Counted per pair, not per account, so that nobody can
/// lock an account's owner out by guessing from elsewhere (see `domain::sign_in_throttle`).
pub const SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS: u32 = 10;
/// Failed password checks from one client address (any account) in the window before that
/// address is refused.
pub const SIGN_IN_FAILURES_PER_IP: u32 = 50;
/// Failed password checks for one account, from all addresses together, before its sign-ins
/// are slowed down: as many as one address may make, so that only guessing from several
/// addresses meets the delay.
pub const SIGN_IN_DELAY_AFTER: u32 = SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS;
/// The first delay; it doubles with every further failure.
pub const SIGN_IN_DELAY_BASE: Duration = Duration::milliseconds(250);
/// The longest delay: an account under attack stays slow for guessers, never closed to its
/// owner.
pub const SIGN_IN_DELAY_MAX: Duration = Duration::seconds(3);

/// Failed checks of an account's methods outside a registration (a wrong authenticator code
/// at sign-in's second step or at password reset) within [`SIGN_IN_FAILURE_WINDOW`] before
/// further checks are refused until the oldest leaves the window. The password was right
/// already, so this counts per account: with a 6-digit code and three steps accepted, 10
/// guesses in 15 minutes give an attacker a 1 in 33,000 chance per window (NIST SP 800-63B
/// 5.2.2 allows up to 100 consecutive failures).
pub const METHOD_CHECK_FAILURES: u32 = 10;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Events shown by `GET /me/activity`.
pub const ACTIVITY_LIMIT: u32 = 100;
/// How long a second step (after a right password) waits for its answer.
pub const SECOND_STEP_LIFETIME: Duration = Duration::minutes(10);
/// How long a password reset lasts, from "Who are you?" to the new password.
pub const RESET_LIFETIME: Duration = Duration::minutes(15);
/// Password resets started for one name per hour (whether or not it has an account).
pub const RESETS_PER_USERNAME_PER_HOUR: u32 = 5;
/// Password resets started from one client address per hour.
pub const RESETS_PER_ADDRESS_PER_HOUR: u32 = 20;
/// Password resets started in all per hour.
pub const RESETS_PER_HOUR: u32 = 1000;
