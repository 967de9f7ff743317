//! Choices that are the same every time for a name and say nothing about whether it has an
//! account: the questions asked of a name without any, a stand-in security key's id.
//! They come from a keyed hash of the name (the server's code secret), so nobody without the
//! secret can tell them from an account's own, and they do not change between resets.

use crate::state::AppState;

/// `count` of `candidates`, the same ones every time for `username` and `purpose`.
pub fn pick<T: Clone>(
    state: &AppState,
    purpose: &str,
    username: &str,
    candidates: &[T],
    count: usize,
) -> Vec<T> {
    let mut keyed: Vec<(Vec<u8>, &T)> = candidates
        .iter()
        .enumerate()
        .map(|(index, candidate)| {
            (
                bytes(state, &format!("{purpose}:{index}"), username),
                candidate,
            )
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
        .into_iter()
        .take(count)
        .map(|(_, candidate)| candidate.clone())
        .collect()
}

/// 32 bytes that are the same every time for `username` and `purpose`.
pub fn bytes(state: &AppState, purpose: &str, username: &str) -> Vec<u8> {
    state.code_keys.hash(purpose, username)
}
