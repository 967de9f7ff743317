//! Stores for the tests of code that reads and writes methods: a real SQLite database in a
//! temporary folder, with an account and a pending registration.

use std::sync::Arc;

use security_info_api::MethodType;

use crate::{
    clock,
    store::{
        AccountId, AccountStore, CodeLimits, NewAccount, NewAuditEvent, NewOutboxMessage,
        NewRegistration, RegistrationId, RegistrationStore, sqlite::SqliteStore,
    },
};

/// A `method_added` event for the account.
pub fn audit(account_id: &AccountId) -> NewAuditEvent {
    NewAuditEvent {
        audit_event_id: crate::random::id().expect("id"),
        account_id: Some(account_id.clone()),
        kind: "method_added",
        ip_address: None,
        user_agent: None,
        detail: None,
        created_at: clock::now(),
    }
}

/// A notice to Alain.
pub fn notice() -> NewOutboxMessage {
    NewOutboxMessage {
        outbox_message_id: crate::random::id().expect("id"),
        recipient: "alain@contoso.example".into(),
        language: "en".into(),
        template: "method_added".into(),
        params: "{}".into(),
        sealed_secret: None,
        created_at: clock::now(),
    }
}

/// A store with one account (Alain) and a pending registration of `method_type` that sent
/// no code.
pub async fn store_with_registration(
    method_type: MethodType,
) -> (
    tempfile::TempDir,
    Arc<SqliteStore>,
    AccountId,
    RegistrationId,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
    let store = Arc::new(SqliteStore::connect(&url).await.expect("store"));
    let account_id = AccountId::generate().expect("id");
    store
        .upsert_account(
            &NewAccount {
                account_id: account_id.clone(),
                user_principal_name: "alain@contoso.example".into(),
                display_name: "Alain".into(),
                password_hash: String::new(),
            },
            false,
        )
        .await
        .expect("account");
    let registration_id = RegistrationId::generate().expect("id");
    let now = clock::now();
    let limits = CodeLimits::default();
    store
        .start_registration(
            &NewRegistration {
                registration_id: registration_id.clone(),
                account_id: account_id.clone(),
                method_type,
                challenge: "{}".into(),
                expires_at: now + time::Duration::HOUR,
                created_at: now,
            },
            None,
            &audit(&account_id),
            &limits,
        )
        .await
        .expect("start")
        .expect("no code, no limit");
    (dir, store, account_id, registration_id)
}
