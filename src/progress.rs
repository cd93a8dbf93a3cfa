//! The history scan's progress line and its phase trace.
//!
//! The line (a spinner, the phase, and blobs scanned out of those found) is
//! drawn with `indicatif` on standard error, only when that is a terminal
//! and the caller asked for it (`history` without `--quiet`); otherwise the
//! bar is hidden and costs nothing. The scan never touches the bar: its
//! threads bump plain atomic counters ([`Progress::done`],
//! [`Progress::total`]), and the bar reads them when it redraws, on
//! indicatif's own ticker thread, at most ten times a second. A bar dropped
//! before [`Progress::stop`] (a scan that fails half-way) still clears its
//! line.
//!
//! `SKYSCAN_TRACE=1` prints, at the end of each phase, its wall time, the
//! process's CPU time and the CPU time of each thread that worked in it:
//! on a busy machine wall time says little about whether the work was
//! shared, the split between threads does. The CPU times are read from
//! `/proc` (Linux); elsewhere they are 0. Nothing here is a crate's job:
//! indicatif has no notion of CPU time.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressState, ProgressStyle};

/// How often the line is redrawn (the spinner turns, the counts move).
const TICK: Duration = Duration::from_millis(100);

/// The progress of one history scan: the phase it is in, and blobs scanned
/// out of those found, drawn on stderr when it is a terminal.
pub struct Progress {
    /// Blobs to scan, once they are all listed (0 until then: the line then
    /// shows the phase alone).
    pub total: AtomicUsize,
    /// Blobs scanned so far, bumped by the scanning threads.
    pub done: AtomicUsize,
    bar: ProgressBar,
    /// The phase being run, and (with `SKYSCAN_TRACE`) when it started.
    phase: Mutex<Phase>,
}

struct Phase {
    name: &'static str,
    trace: Option<Trace>,
}

/// Where the phase started, for the trace.
struct Trace {
    started: Instant,
    cpu: f64,
    /// CPU seconds of each thread (id, seconds).
    threads: Vec<(u64, f64)>,
    /// Resident memory now and at its peak so far, in MiB.
    memory: (u64, u64),
}

impl Trace {
    fn now() -> Trace {
        Trace {
            started: Instant::now(),
            cpu: process_cpu_seconds(),
            threads: thread_cpu_seconds(),
            memory: std::fs::read_to_string("/proc/self/status")
                .map(|s| resident_mib(&s))
                .unwrap_or_default(),
        }
    }

    /// The trace line of the phase `name`, which ran from `self` until
    /// `now`.
    fn line(&self, name: &str, now: &Trace) -> String {
        let mut split: Vec<f64> = now
            .threads
            .iter()
            .map(|&(tid, t)| {
                let before = self
                    .threads
                    .iter()
                    .find(|&&(id, _)| id == tid)
                    .map_or(0.0, |&(_, b)| b);
                t - before
            })
            .filter(|&d| d >= 0.01)
            .collect();
        split.sort_by(|a, b| b.total_cmp(a));
        let split: Vec<String> = split.iter().map(|d| format!("{d:.2}")).collect();
        format!(
            "skyscan: trace: {:>6.2}s wall {:>6.2}s cpu  {:<28} rss {:>5} MiB, peak {:>5} MiB  threads: {}",
            now.started.duration_since(self.started).as_secs_f64(),
            now.cpu - self.cpu,
            name,
            now.memory.0,
            now.memory.1,
            split.join(" ")
        )
    }
}

impl Progress {
    /// Start in the phase "starting"; the line is drawn when `wanted` and
    /// stderr is a terminal.
    pub fn start(wanted: bool) -> Arc<Progress> {
        let target = (wanted && std::io::stderr().is_terminal())
            .then(|| ProgressDrawTarget::stderr_with_hz(10));
        Progress::drawn_on(target)
    }

    /// Start, with the line drawn on `target` (hidden for `None`).
    fn drawn_on(target: Option<ProgressDrawTarget>) -> Arc<Progress> {
        let trace = std::env::var_os("SKYSCAN_TRACE").is_some().then(Trace::now);
        Arc::new_cyclic(|me: &Weak<Progress>| {
            let bar = match target {
                Some(target) => {
                    let bar = ProgressBar::with_draw_target(None, target)
                        .with_style(line_style(me.clone()))
                        .with_finish(ProgressFinish::AndClear);
                    bar.enable_steady_tick(TICK);
                    bar
                }
                None => ProgressBar::hidden(),
            };
            bar.set_message("starting");
            Progress {
                total: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                bar,
                phase: Mutex::new(Phase {
                    name: "starting",
                    trace,
                }),
            }
        })
    }

    /// Enter the phase `name`. With `SKYSCAN_TRACE` set, print how long the
    /// last one took (above the line, when it is drawn).
    pub fn phase(&self, name: &'static str) {
        let mut guard = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let phase = &mut *guard;
        if let Some(before) = &mut phase.trace {
            let now = Trace::now();
            let line = before.line(phase.name, &now);
            self.bar.suspend(|| eprintln!("{line}"));
            *before = now;
        }
        phase.name = name;
        self.bar.set_message(name);
    }

    /// Clear the line; nothing is drawn after this.
    pub fn stop(&self) {
        self.bar.finish_and_clear();
    }
}

/// `⠋ skyscan: scanning blobs 1200/5000`: a spinner, the phase (the bar's
/// message) and the counts of the `Progress` the bar belongs to (read
/// through a weak reference: the bar is part of it).
fn line_style(progress: Weak<Progress>) -> ProgressStyle {
    let counts = move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
        let Some(p) = progress.upgrade() else {
            return;
        };
        let total = p.total.load(Ordering::Relaxed);
        let _ = if total > 0 {
            write!(w, " {}/{total}", p.done.load(Ordering::Relaxed))
        } else {
            w.write_str("…")
        };
    };
    ProgressStyle::with_template("{spinner} skyscan: {msg}{counts}")
        .expect("the template is valid")
        .with_key("counts", counts)
}

/// CPU time of the whole process so far (user and system, all threads),
/// from `/proc/self/stat`; 0 where that is not available.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    stat_cpu_seconds(&stat)
}

/// CPU time of each live thread (id, seconds), from `/proc/self/task`;
/// empty where that is not available. Only for the trace.
fn thread_cpu_seconds() -> Vec<(u64, f64)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            Some((tid, stat_cpu_seconds(&stat)))
        })
        .collect()
}

/// Resident memory (`VmRSS`) and its peak (`VmHWM`) in MiB, from the
/// text of `/proc/self/status`; 0 for what it does not say.
fn resident_mib(status: &str) -> (u64, u64) {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User and system time in a `/proc/.../stat` line, in seconds.
fn stat_cpu_seconds(stat: &str) -> f64 {
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks (100 per second).
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        // A command name with a space and a parenthesis in it; utime 250
        // and stime 50 ticks.
        let stat = "4242 (sky scan (x)) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3";
        assert_eq!(stat_cpu_seconds(stat), 3.0);
        assert_eq!(stat_cpu_seconds("garbage"), 0.0);
    }

    #[test]
    fn a_phase_trace_line_names_the_phase_and_the_busy_threads() {
        let before = Trace {
            started: Instant::now(),
            cpu: 1.0,
            threads: vec![(1, 0.5), (2, 0.0)],
            memory: (10, 10),
        };
        let after = Trace {
            started: before.started + Duration::from_millis(1500),
            cpu: 3.5,
            threads: vec![(1, 2.0), (2, 0.005), (3, 1.0)],
            memory: (300, 512),
        };
        let line = before.line("reading trees", &after);
        assert!(line.starts_with("skyscan: trace:   1.50s wall   2.50s cpu  reading trees"));
        assert!(line.ends_with("threads: 1.50 1.00"), "{line}");
        assert!(line.contains("rss   300 MiB, peak   512 MiB"), "{line}");
        let status = "Name:\tskyscan\nVmHWM:\t  2097152 kB\nVmRSS:\t  1048576 kB\n";
        assert_eq!(resident_mib(status), (1024, 2048));
        assert_eq!(resident_mib("Name:\tskyscan\n"), (0, 0));
    }

    #[test]
    fn progress_not_asked_for_is_hidden() {
        let p = Progress::start(false);
        assert!(p.bar.is_hidden());
        p.phase("scanning blobs");
        p.stop();
    }

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn shows(&self, text: &str) -> bool {
            self.0.lock().unwrap().iter().any(|l| l.contains(text))
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.0.lock().unwrap().push("<clear>".to_string());
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_shows_the_phase_then_the_counts_and_is_cleared() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let p = Progress::drawn_on(Some(target));
        p.phase("reading trees");
        assert!(screen.shows("skyscan: reading trees…"));
        p.phase("scanning blobs");
        p.total.store(5, Ordering::Relaxed);
        p.done.fetch_add(3, Ordering::Relaxed);
        // The ticker redraws every TICK: the counts show within a few.
        let shown = (0..50).any(|_| {
            std::thread::sleep(TICK);
            screen.shows("skyscan: scanning blobs 3/5")
        });
        assert!(shown, "{:?}", screen.0.lock().unwrap());
        p.stop();
        assert_eq!(screen.0.lock().unwrap().last().unwrap(), "<clear>");
    }
}
