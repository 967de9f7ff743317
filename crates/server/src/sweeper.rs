//! The retention sweep, a background task beside the mail worker: at start and then every
//! hour it deletes the rows that are past their use (what and why: `store::retention`).

use std::{sync::Arc, time::Duration as StdDuration};

use time::Duration;
use tokio::time::MissedTickBehavior;

use crate::{
    clock,
    domain::policy,
    store::{RetentionPolicy, Store},
};

/// Time between two sweeps.
const SWEEP_INTERVAL: StdDuration = StdDuration::from_secs(3600);
/// Codes are kept this long: the per-address limit counts the codes of a day.
const CODE_RETENTION: Duration = Duration::DAY;
/// Completed, locked and superseded registrations are kept this long (for support questions
/// about the day's attempts; the audit trail keeps the story longer).
const FINISHED_REGISTRATION_RETENTION: Duration = Duration::DAY;
/// Sent and given-up mail is kept this long, to answer "did the mail go out?".
const FINISHED_MAIL_RETENTION: Duration = Duration::WEEK;

/// What the sweep keeps: the product's figures, and the audit trail as configured.
pub fn retention_policy(audit_retention: Duration) -> RetentionPolicy {
    RetentionPolicy {
        sign_in_attempts: policy::SIGN_IN_FAILURE_WINDOW,
        codes: CODE_RETENTION,
        finished_registrations: FINISHED_REGISTRATION_RETENTION,
        finished_mail: FINISHED_MAIL_RETENTION,
        idle_sessions: policy::SESSION_IDLE_TIMEOUT,
        audit_events: audit_retention,
    }
}

/// The sweep loop's dependencies.
pub struct RetentionSweeper {
    /// The database.
    pub store: Arc<dyn Store>,
    /// What to keep.
    pub policy: RetentionPolicy,
}

impl RetentionSweeper {
    /// Sweeps now and then every [`SWEEP_INTERVAL`], until the task is aborted. A failed sweep
    /// (database locked past its busy timeout) is logged and tried again at the next one.
    pub async fn run(self) {
        let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.store.sweep(clock::now(), &self.policy).await {
                Ok(counts) if counts.total() > 0 => {
                    tracing::info!(?counts, "retention sweep deleted rows past their use");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = ?error, "retention sweep failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_outlive_every_window_that_counts_them() {
        let kept = retention_policy(Duration::days(400));
        assert!(
            kept.codes >= Duration::DAY,
            "the per-address limit counts a day"
        );
        assert!(kept.codes >= policy::MAX_CODE_VALIDITY);
        assert_eq!(kept.sign_in_attempts, policy::SIGN_IN_FAILURE_WINDOW);
        assert_eq!(kept.idle_sessions, policy::SESSION_IDLE_TIMEOUT);
        assert_eq!(kept.audit_events, Duration::days(400));
    }
}
