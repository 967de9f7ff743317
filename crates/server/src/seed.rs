//! Demo accounts for `cargo xtask serve` and the end-to-end tests (`SECURITY_INFO_DEMO_ACCOUNTS`).
//! Seeding is idempotent: existing accounts keep their methods; their password follows
//! `SECURITY_INFO_DEMO_PASSWORD`.

use crate::{
    config::Settings,
    domain::password::PasswordHasher,
    secret::Secret,
    store::{NewAccount, Store},
};

/// The demo users: user principal name and display name.
pub const DEMO_ACCOUNTS: [(&str, &str); 2] = [
    ("alain@contoso.example", "Alain Dupont"),
    ("megan@contoso.example", "Megan Bowen"),
];

/// Creates or refreshes the demo accounts.
pub async fn demo_accounts(
    store: &dyn Store,
    passwords: &PasswordHasher,
    settings: &Settings,
) -> anyhow::Result<()> {
    for (upn, name) in DEMO_ACCOUNTS {
        let existing = store.account_by_username(upn).await?;
        let current = match &existing {
            Some(account) => {
                passwords
                    .verify(
                        Secret::new(settings.demo_password.expose().clone()),
                        Some(account.password_hash.clone()),
                    )
                    .await?
            }
            None => false,
        };
        let password_hash = if current {
            String::new()
        } else {
            passwords
                .hash(Secret::new(settings.demo_password.expose().clone()))
                .await?
        };
        store
            .upsert_account(
                &NewAccount {
                    account_id: crate::store::AccountId::generate()?,
                    user_principal_name: upn.to_owned(),
                    display_name: name.to_owned(),
                    password_hash,
                },
                !current,
            )
            .await?;
    }
    tracing::info!(
        "demo accounts ready: {}",
        DEMO_ACCOUNTS.map(|(upn, _)| upn).join(", ")
    );
    Ok(())
}
