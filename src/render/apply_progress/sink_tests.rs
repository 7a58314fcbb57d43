use super::*;
use crate::apply::NodeResult;
use serde_json::Value as Json;

fn addr(s: &str) -> ResourceInstanceAddr {
    s.parse().expect("address")
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A sink whose ticker, if it ever runs, would wait an hour: the lines are the events'.
fn sink(mode: ProgressMode, every: Duration) -> (ApplyProgress, Buf) {
    let buf = Buf::default();
    let p = ApplyProgress::with_writer(mode, Style::plain(), Box::new(buf.clone()), every, None);
    (p, buf)
}

fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn live_view_only_on_an_unautomated_terminal() {
    use ProgressMode::*;
    assert_eq!(ProgressMode::choose(false, true, env(&[])), Live);
    assert_eq!(ProgressMode::choose(true, true, env(&[])), Json);
    assert_eq!(ProgressMode::choose(false, false, env(&[])), Lines);
    assert_eq!(
        ProgressMode::choose(false, true, env(&[("CI", "true")])),
        Lines
    );
    assert_eq!(
        ProgressMode::choose(false, true, env(&[("CI", "false")])),
        Live
    );
    assert_eq!(ProgressMode::choose(false, true, env(&[("CI", "")])), Live);
    let tfa = env(&[("TF_IN_AUTOMATION", "1")]);
    assert_eq!(ProgressMode::choose(false, true, tfa), Lines);
    let dumb = env(&[("TERM", "dumb")]);
    assert_eq!(ProgressMode::choose(false, true, dumb), Lines);
}

#[test]
fn ticks_fall_due_every_interval_and_skip_missed_ones() {
    let t0 = Instant::now();
    let every = Duration::from_secs(10);
    let mut f = Flight::default();
    f.running.insert(
        addr("aws_instance.web"),
        InFlight {
            action: Action::Create,
            started: t0,
            status: None,
            next_tick: every,
        },
    );
    assert_eq!(f.due(t0 + Duration::from_secs(5), every), vec![]);
    assert_eq!(
        f.until_next(t0 + Duration::from_secs(5)),
        Some(Duration::from_secs(5))
    );
    let ticks = f.due(t0 + Duration::from_secs(10), every);
    assert_eq!(
        ticks,
        vec![Tick {
            addr: addr("aws_instance.web"),
            action: Action::Create,
            elapsed: Duration::from_secs(10),
            status: None,
        }]
    );
    assert_eq!(
        f.until_next(t0 + Duration::from_secs(10)),
        Some(Duration::from_secs(10))
    );
    // Woken late (35 s): one line, and the next one at 40 s.
    f.running.get_mut(&addr("aws_instance.web")).unwrap().status = Some("waiting".into());
    let ticks = f.due(t0 + Duration::from_secs(35), every);
    assert_eq!(ticks.len(), 1);
    assert_eq!(ticks[0].status.as_deref(), Some("waiting"));
    assert_eq!(
        f.until_next(t0 + Duration::from_secs(35)),
        Some(Duration::from_secs(5))
    );
    f.running.clear();
    assert_eq!(f.until_next(t0), None);
}

#[test]
fn lines_mode_prints_events_and_status_changes_once() {
    let (p, buf) = sink(ProgressMode::Lines, Duration::from_secs(3600));
    let web = addr("aws_instance.web");
    p.event(ApplyEvent::Start {
        addr: web.clone(),
        action: Action::Create,
    });
    for s in ["waiting for running", "waiting for running", "running"] {
        p.event(ApplyEvent::Progress {
            addr: web.clone(),
            action: Action::Create,
            status: s.into(),
            elapsed: Duration::from_secs(3),
        });
    }
    p.event(ApplyEvent::Complete {
        addr: web.clone(),
        action: Action::Create,
        id: Some("i-1".into()),
        elapsed: Duration::from_secs(4),
    });
    // After completion a status report would contradict the line above: dropped.
    p.event(ApplyEvent::Progress {
        addr: web.clone(),
        action: Action::Create,
        status: "late".into(),
        elapsed: Duration::from_secs(5),
    });
    let mut results = BTreeMap::new();
    results.insert(web.clone(), NodeResult::Done);
    p.finish(&ChangeSummary::from_changes(
        false,
        [(&web, Action::Create)],
        &results,
    ));
    assert_eq!(
        buf.text(),
        "aws_instance.web: Creating...\n\
         aws_instance.web: Still creating... [3s elapsed] (waiting for running)\n\
         aws_instance.web: Still creating... [3s elapsed] (running)\n\
         aws_instance.web: Creation complete after 4s [id=i-1]\n\
         \n\
         Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n"
    );
}

#[test]
fn json_mode_streams_objects_and_ends_with_the_summary() {
    let (p, buf) = sink(ProgressMode::Json, Duration::from_secs(3600));
    let vpc = addr("aws_vpc.main");
    p.event(ApplyEvent::Start {
        addr: vpc.clone(),
        action: Action::Create,
    });
    p.event(ApplyEvent::Errored {
        addr: vpc.clone(),
        action: Action::Create,
        error: "boom".into(),
        elapsed: Duration::from_secs(1),
    });
    let mut results = BTreeMap::new();
    results.insert(vpc.clone(), NodeResult::Failed("boom".into()));
    p.finish(&ChangeSummary::from_changes(
        false,
        [(&vpc, Action::Create)],
        &results,
    ));
    let types: Vec<String> = buf
        .text()
        .lines()
        .map(|l| {
            let v: Json = serde_json::from_str(l).expect(l);
            v["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(types, ["apply_start", "apply_errored", "change_summary"]);
    let last: Json = serde_json::from_str(buf.text().lines().last().unwrap()).unwrap();
    assert_eq!(last["changes"]["add"], 0);
    assert_eq!(
        last["@message"],
        "Apply failed. Resources: 0 added, 0 changed, 0 destroyed."
    );
}

#[test]
fn ticker_prints_still_lines_and_stops_at_finish() {
    let (p, buf) = sink(ProgressMode::Lines, Duration::from_millis(5));
    let web = addr("aws_instance.web");
    p.event(ApplyEvent::Start {
        addr: web.clone(),
        action: Action::Create,
    });
    // Wait (boundedly) for the ticker thread to report the change still in flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !buf.text().contains("aws_instance.web: Still creating... [") {
        assert!(Instant::now() < deadline, "no tick line: {}", buf.text());
        std::thread::sleep(Duration::from_millis(5));
    }
    p.finish(&ChangeSummary::nothing(false));
    assert!(p.ticker.lock().unwrap().is_none(), "ticker not joined");
    let after = buf.text();
    assert!(after.ends_with("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.\n"));
}
