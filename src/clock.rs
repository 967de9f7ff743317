//! The time the countdowns read. In the page it is the browser's clock, read again every second
//! while a countdown shows. A test puts a [`ManualClock`] in context instead and moves it
//! forward itself, so a minute's countdown is checked without a minute of waiting.

use std::time::Duration;

use leptos::prelude::*;

use crate::format;

/// A clock that only moves when told to (for tests), shared through context.
#[derive(Debug, Clone, Copy)]
pub struct ManualClock {
    now: RwSignal<f64>,
}

impl ManualClock {
    /// A clock reading `start_ms` (epoch milliseconds).
    pub fn new(start_ms: f64) -> Self {
        ManualClock {
            now: RwSignal::new(start_ms),
        }
    }

    /// Puts the clock in context, for every countdown below it.
    pub fn provide(self) {
        provide_context(self);
    }

    /// Moves the clock `ms` milliseconds forward.
    pub fn advance(&self, ms: f64) {
        self.now.update(|now| *now += ms);
    }

    /// What it reads, in epoch milliseconds.
    pub fn now(&self) -> f64 {
        self.now.get_untracked()
    }
}

/// Now, in epoch milliseconds, as a signal that changes every second for as long as the
/// calling component lives (or whenever a [`ManualClock`] in context is moved).
pub fn ticking_now() -> Signal<f64> {
    if let Some(clock) = use_context::<ManualClock>() {
        return clock.now.into();
    }
    let now = RwSignal::new(format::now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(format::now_ms()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    now.into()
}
