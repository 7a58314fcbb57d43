//! Apply and destroy progress: the [`EventSink`] the CLI hands to the engine.
//!
//! Three views of the same events:
//! - **lines**: one line per event, as Terraform prints them, plus "Still creating... [10s
//!   elapsed]" every 10 s for each change in flight (from a ticker thread);
//! - **JSON**: one object per line in Terraform's machine-readable UI format, the ticks as
//!   `apply_progress`, a final `change_summary`;
//! - **live** (a terminal, not CI): a spinner per change in flight with its elapsed time and
//!   latest status; finished changes become permanent lines above the spinners.
//!
//! Invariants: output from worker threads is serialised by one lock, so lines never interleave;
//! a `Progress` event is shown only when its status changes, and only while its change is in
//! flight (a late one would contradict the completion line); the ticker thread stops at
//! [`ApplyProgress::finish`] or when the sink is dropped, whichever comes first.

mod format;
mod live;

pub use format::{
    action_word, complete_message, errored_message, event_json, event_message, fmt_elapsed,
    resource_json, skipped_message, start_message, still_json, still_message, styled_message,
    ChangeSummary, Operation, JSON_MODULE,
};

use crate::addr::ResourceInstanceAddr;
use crate::apply::{ApplyEvent, EventSink};
use crate::plan::Action;
use crate::render::Style;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Terraform's interval between "Still creating..." lines.
pub const TICK_INTERVAL: Duration = Duration::from_secs(10);

/// How apply progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// One line per event plus periodic "Still ..." lines.
    Lines,
    /// One JSON object per line.
    Json,
    /// Spinners for changes in flight; permanent lines for finished ones.
    Live,
}

impl ProgressMode {
    /// The mode for this process: JSON when asked; live only when stdout is a terminal and
    /// the run is not automated (`CI`, `TF_IN_AUTOMATION`) nor on a dumb terminal.
    pub fn detect(json: bool) -> ProgressMode {
        ProgressMode::choose(json, std::io::stdout().is_terminal(), |k| {
            std::env::var(k).ok()
        })
    }

    /// [`ProgressMode::detect`] with the terminal check and the environment given.
    pub fn choose(
        json: bool,
        stdout_is_terminal: bool,
        env: impl Fn(&str) -> Option<String>,
    ) -> ProgressMode {
        if json {
            ProgressMode::Json
        } else if stdout_is_terminal
            && !in_automation(&env)
            && env("TERM").is_none_or(|t| t != "dumb")
        {
            ProgressMode::Live
        } else {
            ProgressMode::Lines
        }
    }
}

/// Whether the run is automated: `CI` set to anything but empty, `false` or `0`, or
/// `TF_IN_AUTOMATION` set to anything non-empty. Automated runs get no spinners and no colour.
pub fn in_automation(env: impl Fn(&str) -> Option<String>) -> bool {
    let ci = env("CI").is_some_and(|v| !matches!(v.trim(), "" | "false" | "0"));
    ci || env("TF_IN_AUTOMATION").is_some_and(|v| !v.is_empty())
}

/// A change in flight.
#[derive(Debug)]
struct InFlight {
    action: Action,
    started: Instant,
    status: Option<String>,
    /// Elapsed time at which the next "Still ..." line is due.
    next_tick: Duration,
}

/// One "Still ..." line that is due.
#[derive(Debug, PartialEq)]
struct Tick {
    addr: ResourceInstanceAddr,
    action: Action,
    elapsed: Duration,
    status: Option<String>,
}

/// The changes in flight and the ticker's schedule.
#[derive(Debug, Default)]
struct Flight {
    running: BTreeMap<ResourceInstanceAddr, InFlight>,
    stopped: bool,
}

impl Flight {
    /// Takes the ticks due at `now` (in address order) and schedules each change's next tick
    /// at the first multiple of `every` past its elapsed time, so a late wake-up (a suspended
    /// laptop) yields one line, not a burst. `every` must not be zero.
    fn due(&mut self, now: Instant, every: Duration) -> Vec<Tick> {
        let mut ticks = Vec::new();
        for (addr, f) in &mut self.running {
            let elapsed = now.saturating_duration_since(f.started);
            if elapsed < f.next_tick {
                continue;
            }
            let periods = elapsed.as_nanos() / every.as_nanos().max(1) + 1;
            f.next_tick = every.saturating_mul(u32::try_from(periods).unwrap_or(u32::MAX));
            ticks.push(Tick {
                addr: addr.clone(),
                action: f.action,
                elapsed,
                status: f.status.clone(),
            });
        }
        ticks
    }

    /// How long from `now` until the next tick is due; `None` when nothing is in flight.
    fn until_next(&self, now: Instant) -> Option<Duration> {
        self.running
            .values()
            .map(|f| {
                f.started
                    .checked_add(f.next_tick)
                    .map_or(Duration::MAX, |due| due.saturating_duration_since(now))
            })
            .min()
    }
}

struct Inner {
    flight: Flight,
    out: Box<dyn Write + Send>,
    live: Option<live::LiveView>,
    ticker_started: bool,
}

struct Shared {
    mode: ProgressMode,
    style: Style,
    every: Duration,
    inner: Mutex<Inner>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_tick(&self, out: &mut dyn Write, t: &Tick) {
        let line = match self.mode {
            ProgressMode::Json => still_json(
                &t.addr,
                t.action,
                t.elapsed,
                t.status.as_deref(),
                &crate::state::now_rfc3339(),
            )
            .to_string(),
            _ => self.style.bold(&still_message(
                &t.addr,
                t.action,
                t.elapsed,
                t.status.as_deref(),
            )),
        };
        write_line(out, &line);
    }
}

/// Writes one line and flushes; a closed pipe is not the apply's problem, so errors are
/// ignored (the state journal, not stdout, is the record).
fn write_line(out: &mut dyn Write, line: &str) {
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn tick_loop(shared: Arc<Shared>) {
    let mut g = shared.lock();
    loop {
        if g.flight.stopped {
            return;
        }
        let now = Instant::now();
        let inner = &mut *g;
        for t in inner.flight.due(now, shared.every) {
            shared.write_tick(&mut inner.out, &t);
        }
        let wait = g.flight.until_next(now);
        g = match wait {
            Some(d) => {
                shared
                    .wake
                    .wait_timeout(g, d)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared.wake.wait(g).unwrap_or_else(PoisonError::into_inner),
        };
    }
}

/// Shows apply events (see the module docs). Share it with the engine as an
/// `Arc<dyn EventSink>` and call [`ApplyProgress::finish`] once the apply is over.
pub struct ApplyProgress {
    shared: Arc<Shared>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

impl ApplyProgress {
    /// Progress on stdout. Colour follows `style`, and is off in automated runs; a live view
    /// that indicatif cannot draw falls back to lines.
    pub fn stdout(mode: ProgressMode, style: Style) -> ApplyProgress {
        let style = Style {
            color: style.color && !in_automation(|k| std::env::var(k).ok()),
        };
        let live = match mode {
            ProgressMode::Live => live::LiveView::stdout(style),
            _ => None,
        };
        let mode = match (mode, &live) {
            (ProgressMode::Live, None) => ProgressMode::Lines,
            (m, _) => m,
        };
        ApplyProgress::with_writer(
            mode,
            style,
            Box::new(std::io::stdout()),
            TICK_INTERVAL,
            live,
        )
    }

    fn with_writer(
        mode: ProgressMode,
        style: Style,
        out: Box<dyn Write + Send>,
        every: Duration,
        live: Option<live::LiveView>,
    ) -> ApplyProgress {
        ApplyProgress {
            shared: Arc::new(Shared {
                mode,
                style,
                every: every.max(Duration::from_millis(1)),
                inner: Mutex::new(Inner {
                    flight: Flight::default(),
                    out,
                    live,
                    ticker_started: false,
                }),
                wake: Condvar::new(),
            }),
            ticker: Mutex::new(None),
        }
    }

    /// Stops the ticker (waiting for it), clears the live view, and prints the summary:
    /// `change_summary` in JSON, Terraform's "Apply complete! Resources: ..." otherwise.
    pub fn finish(&self, summary: &ChangeSummary) {
        self.stop();
        let mut g = self.shared.lock();
        let inner = &mut *g;
        let end_line = inner.live.as_mut().is_some_and(live::LiveView::clear);
        let line = match self.shared.mode {
            ProgressMode::Json => summary.to_json(&crate::state::now_rfc3339()).to_string(),
            _ => {
                let style = self.shared.style;
                let head = if summary.failed {
                    style.red(summary.headline())
                } else {
                    style.green(summary.headline())
                };
                let note = if summary.failed {
                    " State records everything that completed."
                } else {
                    ""
                };
                let end = if end_line { "\n" } else { "" };
                format!("{end}\n{head} {}{note}", summary.counts())
            }
        };
        write_line(&mut inner.out, &line);
    }

    fn stop(&self) {
        self.shared.lock().flight.stopped = true;
        self.shared.wake.notify_all();
        let handle = self
            .ticker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// Starts the ticker thread on the first change (lines and JSON only).
    fn start_ticker(&self, inner: &mut Inner) {
        if inner.ticker_started || inner.flight.stopped || self.shared.mode == ProgressMode::Live {
            return;
        }
        inner.ticker_started = true;
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("terrace-progress".into())
            .spawn(move || tick_loop(shared));
        // Without a thread there are no "Still ..." lines; the events themselves still show.
        if let Ok(h) = spawned {
            *self.ticker.lock().unwrap_or_else(PoisonError::into_inner) = Some(h);
        }
    }
}

impl Drop for ApplyProgress {
    fn drop(&mut self) {
        self.stop();
    }
}

impl EventSink for ApplyProgress {
    fn event(&self, e: ApplyEvent) {
        let now = Instant::now();
        let mut g = self.shared.lock();
        let inner = &mut *g;
        match &e {
            ApplyEvent::Start { addr, action } => {
                inner.flight.running.insert(
                    addr.clone(),
                    InFlight {
                        action: *action,
                        started: now,
                        status: None,
                        next_tick: self.shared.every,
                    },
                );
                self.start_ticker(inner);
            }
            ApplyEvent::Progress { addr, status, .. } => match inner.flight.running.get_mut(addr) {
                Some(f) if f.status.as_deref() != Some(status.as_str()) => {
                    f.status = Some(status.clone());
                }
                _ => return,
            },
            ApplyEvent::Complete { addr, .. } | ApplyEvent::Errored { addr, .. } => {
                inner.flight.running.remove(addr);
            }
            ApplyEvent::Skipped { .. }
            | ApplyEvent::MigrationStart { .. }
            | ApplyEvent::MigrationProgress { .. }
            | ApplyEvent::MigrationComplete { .. }
            | ApplyEvent::MigrationErrored { .. }
            | ApplyEvent::Interrupted => {}
        }
        match (self.shared.mode, &mut inner.live) {
            (ProgressMode::Live, Some(live)) => live.event(&e),
            (ProgressMode::Json, _) => write_line(
                &mut inner.out,
                &event_json(&e, &crate::state::now_rfc3339()).to_string(),
            ),
            _ => write_line(&mut inner.out, &styled_message(&e, self.shared.style)),
        }
        drop(g);
        // A new change may be due before the ticker's current deadline.
        self.shared.wake.notify_all();
    }
}

#[cfg(test)]
#[path = "apply_progress/sink_tests.rs"]
mod tests;
