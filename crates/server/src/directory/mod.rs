//! Where the passwords of the password accounts live: the built-in accounts (argon2id hashes
//! in the store) or an LDAP directory / Active Directory (`SECURITY_INFO_LDAP_URL`).
//!
//! Sign-in, step-up and the password reset ask this module, never the hashes or the directory
//! themselves. With a directory, its users sign in with a bind as their entry, and the first
//! sign-in makes the account here (name and display name from the directory; its
//! `password_hash` is [`PASSWORD_IN_DIRECTORY`], which no password matches).

pub mod ldap;
pub mod settings;

use std::sync::Arc;

use security_info_api::{Problem, ProblemCode};

use self::ldap::{ChangeRefused, LdapDirectory};
use crate::{
    error::{ApiError, ApiResult},
    secret::Secret,
    state::AppState,
    store::{AccountId, AccountRecord, NewAccount, PASSWORD_IN_DIRECTORY},
};

/// Seconds a client is asked to wait when the directory does not answer.
const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

/// The home of the passwords.
#[derive(Clone)]
pub enum Directory {
    /// The built-in accounts' hashes.
    BuiltIn,
    /// An LDAP directory or Active Directory.
    Ldap(Arc<LdapDirectory>),
}

/// The outcome of a sign-in's password check.
pub struct Checked {
    /// The account of that name, if there is one here (after a directory's first sign-in,
    /// there is).
    pub account: Option<AccountRecord>,
    /// Whether the password is the account's.
    pub matches: bool,
}

/// The directory did not answer: 503 with `Retry-After`, logged with its cause.
fn unavailable(error: anyhow::Error) -> ApiError {
    tracing::error!(error = ?error, "the LDAP directory is unavailable: answered 503");
    ApiError::retry_after(ProblemCode::ServiceUnavailable, UNAVAILABLE_RETRY_SECONDS)
}

/// Checks a sign-in of `username` (lower case) with `password`; the same work whether or not
/// the name has an account.
pub async fn check_sign_in(
    state: &AppState,
    username: &str,
    password: Secret<String>,
) -> ApiResult<Checked> {
    let well_formed = !username.is_empty() && username.len() <= 254;
    match &state.directory {
        Directory::BuiltIn => {
            let account = if well_formed {
                state.store.account_by_username(username).await?
            } else {
                None
            };
            let matches = state
                .passwords
                .verify(password, account.as_ref().map(|a| a.password_hash.clone()))
                .await?;
            Ok(Checked { account, matches })
        }
        Directory::Ldap(directory) => {
            let user = if well_formed {
                directory
                    .check(username, password.expose())
                    .await
                    .map_err(unavailable)?
            } else {
                None
            };
            if let Some(user) = &user {
                // The directory's name for the user wins; a password set here before (an
                // account that was built-in) stays, unused while the directory is configured.
                state
                    .store
                    .upsert_account(
                        &NewAccount {
                            account_id: AccountId::generate()?,
                            user_principal_name: username.to_owned(),
                            display_name: user.display_name.clone(),
                            password_hash: PASSWORD_IN_DIRECTORY.to_owned(),
                        },
                        false,
                    )
                    .await?;
            }
            let account = if well_formed {
                state.store.account_by_username(username).await?
            } else {
                None
            };
            Ok(Checked {
                matches: user.is_some() && account.is_some(),
                account,
            })
        }
    }
}

/// Whether `password` is `account`'s (a step-up).
pub async fn check_password(
    state: &AppState,
    account: &AccountRecord,
    password: Secret<String>,
) -> ApiResult<bool> {
    match &state.directory {
        Directory::BuiltIn => Ok(state
            .passwords
            .verify(password, Some(account.password_hash.clone()))
            .await?),
        Directory::Ldap(directory) => Ok(directory
            .check(
                &account.user_principal_name.to_lowercase(),
                password.expose(),
            )
            .await
            .map_err(unavailable)?
            .is_some()),
    }
}

/// Makes `password` `account`'s password (a reset whose gates were passed and whose password
/// met the policy). Answers the `password_hash` to keep in the account: the new hash, or for a
/// directory's account the one it had. A directory that refuses the password for its own
/// policy gives `password_refused_by_directory` with its words as `reason`.
pub async fn set_password(
    state: &AppState,
    account: &AccountRecord,
    password: String,
) -> ApiResult<String> {
    match &state.directory {
        Directory::BuiltIn => Ok(state.passwords.hash(Secret::new(password)).await?),
        Directory::Ldap(directory) => {
            match directory
                .set_password(&account.user_principal_name.to_lowercase(), &password)
                .await
            {
                Ok(()) => Ok(account.password_hash.clone()),
                Err(ChangeRefused::Policy(reason)) => {
                    tracing::info!(reason = ?reason, "the directory refused a new password");
                    let mut problem = Problem::new(ProblemCode::PasswordRefusedByDirectory);
                    problem.reason = reason;
                    Err(ApiError::Client(Box::new(problem)))
                }
                Err(ChangeRefused::Unavailable(error)) => Err(unavailable(error)),
            }
        }
    }
}
