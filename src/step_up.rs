//! Step-up: changes need a recent sign-in. When the server answers
//! `reauthentication_required`, the call waits while the password dialog is shown, then runs
//! again, so the user's interrupted action simply continues.

use std::future::Future;

use futures_channel::oneshot;
use leptos::prelude::*;
use security_info_api::ProblemCode;

use crate::api::{ApiError, ApiResult};

/// The shared step-up state: whether the password dialog is open and who waits for it.
#[derive(Clone, Copy)]
pub struct StepUp {
    open: RwSignal<bool>,
    waiting: StoredValue<Vec<oneshot::Sender<bool>>, LocalStorage>,
}

impl StepUp {
    /// Whether the password dialog should be shown (tracked).
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Opens the password dialog; resolves to `true` once the password is confirmed, `false`
    /// when the user cancels.
    pub fn confirm(&self) -> impl Future<Output = bool> + 'static {
        let (sender, receiver) = oneshot::channel();
        self.waiting.update_value(|waiting| waiting.push(sender));
        self.open.set(true);
        async move { receiver.await.unwrap_or(false) }
    }

    /// Closes the dialog and tells everyone waiting whether the password was confirmed.
    pub fn finish(&self, confirmed: bool) {
        let waiting = self
            .waiting
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        self.open.set(false);
        for sender in waiting {
            let _ = sender.send(confirmed);
        }
    }
}

/// Puts the step-up state in context.
pub fn provide_step_up() -> StepUp {
    let step_up = StepUp {
        open: RwSignal::new(false),
        waiting: StoredValue::new_local(Vec::new()),
    };
    provide_context(step_up);
    step_up
}

/// The step-up state; panics outside [`provide_step_up`]'s tree (a programming error).
pub fn use_step_up() -> StepUp {
    use_context::<StepUp>().expect("provide_step_up() runs in App")
}

/// Starts adding a method with `start`, after the password dialog when the server asks for a
/// recent sign-in: the one way every type's form starts its registration.
pub async fn start_registration(
    step_up: StepUp,
    start: security_info_api::StartRegistration,
) -> ApiResult<crate::add_method::Started> {
    let registration =
        with_step_up(step_up, || crate::api::start_registration(start.clone())).await?;
    Ok(crate::add_method::Started {
        sent: start,
        registration,
    })
}

/// Runs `call`; when it needs a fresh sign-in, asks for the password and runs it again.
/// If the user cancels, the original `reauthentication_required` error is returned.
pub async fn with_step_up<T, F, Fut>(step_up: StepUp, call: F) -> ApiResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let mut result = call().await;
    // Twice at most: a second demand right after a confirmed password would be a server bug,
    // and looping on it would trap the user.
    for _ in 0..2 {
        match &result {
            Err(error) if is_step_up(error) => {
                // With a host-given token, the host re-authenticates the user at its provider
                // and sends a new token; otherwise the password dialog asks.
                let confirmed = match crate::embed::host::reauthenticate_with_host().await {
                    Some(renewed) => renewed,
                    None => step_up.confirm().await,
                };
                if !confirmed {
                    return result;
                }
                result = call().await;
            }
            _ => return result,
        }
    }
    result
}

/// Whether the error asks for a fresh sign-in.
pub fn is_step_up(error: &ApiError) -> bool {
    error.code() == Some(ProblemCode::ReauthenticationRequired)
}
