//! The bearer token a host handed over: kept in this module's memory only (never in storage,
//! a URL or a log), read by [`crate::api`] for `Authorization: Bearer`, and the futures that
//! wait for the next one.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
use serde_json::Value;

/// One waiter: resolved with `true` when a token arrives, `false` when it gave up.
pub(crate) type Waiter = Rc<RefCell<Option<oneshot::Sender<bool>>>>;

thread_local! {
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static WAITERS: RefCell<Vec<Waiter>> = const { RefCell::new(Vec::new()) };
}

/// The token to send, if the host gave one.
pub fn current() -> Option<String> {
    TOKEN.with(|token| token.borrow().clone())
}

/// Keeps `token` (replacing any earlier one) and wakes everyone waiting for it.
pub(crate) fn set(token: String) {
    TOKEN.with(|slot| *slot.borrow_mut() = Some(token));
    let waiters = WAITERS.with(|waiters| std::mem::take(&mut *waiters.borrow_mut()));
    for waiter in waiters {
        if let Some(sender) = waiter.borrow_mut().take() {
            let _ = sender.send(true);
        }
    }
}

/// A new waiter for the next token and the future that resolves with it.
pub(crate) fn wait() -> (Waiter, oneshot::Receiver<bool>) {
    let (sender, receiver) = oneshot::channel();
    let waiter: Waiter = Rc::new(RefCell::new(Some(sender)));
    WAITERS.with(|waiters| waiters.borrow_mut().push(waiter.clone()));
    (waiter, receiver)
}

/// The `exp` claim (seconds since the epoch) of a compact JWT, read without checking anything:
/// only to ask the host for a new token in time. The server checks the token.
pub fn expires_at(token: &str) -> Option<f64> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&base64url_decode(payload)?).ok()?;
    claims.get("exp")?.as_f64()
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0_u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_is_read_from_the_payload() {
        // {"alg":"RS256"} . {"sub":"alice","exp":1700000000} . sig
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2ln";
        assert_eq!(expires_at(token), Some(1_700_000_000.0));
        assert_eq!(
            expires_at("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"),
            None
        );
        assert_eq!(expires_at("a.%%%.c"), None);
        assert_eq!(expires_at("nodots"), None);
    }

    #[test]
    fn base64url_without_padding_decodes() {
        assert_eq!(base64url_decode("aGk"), Some(b"hi".to_vec()));
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn a_new_token_replaces_the_old_and_wakes_the_waiters() {
        let (_waiter, mut receiver) = wait();
        set("a.b.c".into());
        set("d.e.f".into());
        assert_eq!(current().as_deref(), Some("d.e.f"));
        assert_eq!(receiver.try_recv(), Ok(Some(true)));
    }
}
