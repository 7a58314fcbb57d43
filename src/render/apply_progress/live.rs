//! The live terminal view: one spinner line per change in flight ("⠋ aws_instance.web:
//! Creating... [12s elapsed] waiting for running"); a finished change's spinner is replaced
//! by its permanent line, printed above the remaining spinners.

use super::format::{fmt_elapsed, start_message, styled_message};
use crate::addr::ResourceInstanceAddr;
use crate::apply::ApplyEvent;
use crate::render::Style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

/// How often spinners turn and elapsed times update.
const SPIN_INTERVAL: Duration = Duration::from_millis(120);

/// `{prefix}` is the styled "addr: Creating...", `{wide_msg}` the latest status (cut to the
/// terminal's width so a line never wraps and breaks redrawing).
const TEMPLATE: &str = "{spinner} {prefix} [{tf_elapsed} elapsed] {wide_msg}";

pub(super) struct LiveView {
    multi: MultiProgress,
    bars: HashMap<ResourceInstanceAddr, ProgressBar>,
    spinner: ProgressStyle,
    style: Style,
    /// Some permanent line was printed.
    printed: bool,
}

impl LiveView {
    /// A view drawing on stdout; `None` when indicatif would not draw there (not a terminal).
    pub(super) fn stdout(style: Style) -> Option<LiveView> {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        if multi.is_hidden() {
            return None;
        }
        let spinner = ProgressStyle::with_template(TEMPLATE).ok()?.with_key(
            "tf_elapsed",
            |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&fmt_elapsed(s.elapsed()));
            },
        );
        Some(LiveView {
            multi,
            bars: HashMap::new(),
            spinner,
            style,
            printed: false,
        })
    }

    pub(super) fn event(&mut self, e: &ApplyEvent) {
        match e {
            ApplyEvent::Start { addr, action } => {
                let bar = self.multi.add(
                    ProgressBar::new_spinner()
                        .with_style(self.spinner.clone())
                        .with_prefix(self.style.bold(&start_message(addr, *action))),
                );
                bar.enable_steady_tick(SPIN_INTERVAL);
                if let Some(old) = self.bars.insert(addr.clone(), bar) {
                    self.remove(&old);
                }
            }
            ApplyEvent::Progress { addr, status, .. } => {
                if let Some(bar) = self.bars.get(addr) {
                    bar.set_message(self.style.dim(status));
                }
            }
            ApplyEvent::Complete { addr, .. } | ApplyEvent::Errored { addr, .. } => {
                if let Some(bar) = self.bars.remove(addr) {
                    self.remove(&bar);
                }
                let line = styled_message(e, self.style);
                self.println(&line);
            }
            ApplyEvent::Skipped { .. }
            | ApplyEvent::MigrationStart { .. }
            | ApplyEvent::MigrationComplete { .. }
            | ApplyEvent::MigrationErrored { .. }
            | ApplyEvent::Interrupted => {
                let line = styled_message(e, self.style);
                self.println(&line);
            }
            ApplyEvent::MigrationProgress { .. } => {}
        }
    }

    /// Removes every spinner (changes still in flight when the apply ended: interrupted).
    /// Returns whether the view printed a line: indicatif leaves the cursor at the end of
    /// its last line, so whatever is printed next must first end that line.
    pub(super) fn clear(&mut self) -> bool {
        for (_, bar) in std::mem::take(&mut self.bars) {
            self.remove(&bar);
        }
        let _ = self.multi.clear();
        self.printed
    }

    fn remove(&self, bar: &ProgressBar) {
        bar.finish_and_clear();
        self.multi.remove(bar);
    }

    fn println(&mut self, line: &str) {
        self.printed = true;
        // Only fails when the terminal went away; there is nowhere left to report it.
        let _ = self.multi.println(line);
    }
}
