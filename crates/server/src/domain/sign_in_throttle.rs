//! Password guessing limits, for sign-in and re-authentication alike.
//!
//! A hard limit per account hands anyone a lock on any account: ten wrong passwords for a
//! name, from anywhere, and its owner was refused for 15 minutes. So the hard limits count
//! per (account, client address) and per client address; account-wide, failures only slow
//! sign-ins down, by a delay that grows with them and stays short enough for the owner to get
//! through ([`account_delay`]). A re-authentication is made with a session that already
//! proved the account: failures from other addresses neither block nor slow it.
//!
//! Every attempt is counted before its password is checked, in the transaction that checks
//! the limits (`Store::reserve_sign_in_attempt`), and counts as failed until it succeeds:
//! guesses sent in parallel cannot all pass a check made before any of them is recorded.

use std::net::IpAddr;

use crate::{domain::policy, store::SignInLimits};

/// The hard limits of the security baseline.
pub fn limits() -> SignInLimits {
    SignInLimits {
        window: policy::SIGN_IN_FAILURE_WINDOW,
        per_account_and_address: policy::SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        per_address: policy::SIGN_IN_FAILURES_PER_IP,
    }
}

/// How long a sign-in waits before its password is checked, given the account's failures in
/// the window from every address: none up to [`policy::SIGN_IN_DELAY_AFTER`], then
/// [`policy::SIGN_IN_DELAY_BASE`] doubling with each failure, at most
/// [`policy::SIGN_IN_DELAY_MAX`].
pub fn account_delay(failures_for_account: u32) -> std::time::Duration {
    let Some(beyond) = failures_for_account.checked_sub(policy::SIGN_IN_DELAY_AFTER) else {
        return std::time::Duration::ZERO;
    };
    // 2^4 times the base is past any sensible maximum already; the cap avoids overflow.
    let delay = policy::SIGN_IN_DELAY_BASE * 2_i32.pow(beyond.min(16));
    delay.min(policy::SIGN_IN_DELAY_MAX).unsigned_abs()
}

/// The form of a client address the limits count by. An IPv6 client usually holds a whole
/// /64 (its router hands out any address in it, and privacy extensions rotate them), so a
/// limit per IPv6 address would be one per guess: such addresses count by their /64. IPv4
/// (also written IPv4-mapped) counts by the address.
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use time::{Duration, macros::datetime};

    use super::*;
    use crate::store::SignInCounts;

    #[test]
    fn the_delay_starts_past_one_addresss_limit_doubles_and_stays_bounded() {
        let delays: Vec<u128> = (0..=16).map(|n| account_delay(n).as_millis()).collect();
        assert_eq!(
            delays,
            [
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 250, 500, 1000, 2000, 3000, 3000, 3000
            ]
        );
        assert_eq!(account_delay(u32::MAX).as_millis(), 3000);
        assert_eq!(
            Duration::try_from(account_delay(u32::MAX)).ok(),
            Some(policy::SIGN_IN_DELAY_MAX)
        );
    }

    #[test]
    fn a_hard_limit_refuses_until_its_oldest_failure_leaves_the_window() {
        let limits = limits();
        let now = datetime!(2026-12-01 10:00 UTC);
        let under = SignInCounts {
            for_account_and_address: 9,
            from_address: 49,
            for_account: 500,
            ..SignInCounts::default()
        };
        assert_eq!(
            limits.refused_until(&under, now),
            None,
            "account-wide: no lock"
        );
        let pair = SignInCounts {
            for_account_and_address: 10,
            oldest_for_account_and_address: Some(now - Duration::minutes(5)),
            ..under.clone()
        };
        assert_eq!(
            limits.refused_until(&pair, now),
            Some(now + Duration::minutes(10))
        );
        let address = SignInCounts {
            from_address: 50,
            oldest_from_address: Some(now - Duration::minutes(1)),
            ..pair.clone()
        };
        assert_eq!(
            limits.refused_until(&address, now),
            Some(now + Duration::minutes(14)),
            "the later of the two"
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_ipv4_by_the_address() {
        assert_eq!(address_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(
            address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:2::2")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("::1"), "::/64");
    }
}
