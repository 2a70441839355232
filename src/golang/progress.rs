//! A live display of the parallel host builds on stderr: one line per
//! platform (waiting, building with its running time, done with its time,
//! failed), redrawn in place ten times a second when stderr is a terminal;
//! plain lines, one per change, when it is not (CI logs, pipes).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The state of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Building(Instant),
    Done(Duration, String),
    Failed(Duration, String),
}

#[derive(Debug)]
struct Rows {
    labels: Vec<String>,
    status: Vec<Status>,
    /// Lines on screen from the last redraw.
    drawn: usize,
}

/// The display. Drop or [`Progress::finish`] draws the final state.
pub struct Progress {
    rows: Arc<Mutex<Rows>>,
    live: bool,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
    indent: String,
}

impl Progress {
    /// A display for `labels` (e.g. platforms), every row waiting. Live
    /// redrawing when stderr is a terminal (and TERM is not `dumb`).
    pub fn new(labels: Vec<String>, indent: &str) -> Progress {
        let live =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Progress::with_mode(labels, indent, live)
    }

    /// A display that redraws in place (`live`) or prints plain lines.
    pub fn with_mode(labels: Vec<String>, indent: &str, live: bool) -> Progress {
        let n = labels.len();
        let rows = Arc::new(Mutex::new(Rows {
            labels,
            status: vec![Status::Waiting; n],
            drawn: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let indent = indent.to_string();
        let ticker = live.then(|| {
            let rows = Arc::clone(&rows);
            let stop = Arc::clone(&stop);
            let indent = indent.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    redraw(&rows, &indent);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        });
        Progress {
            rows,
            live,
            stop,
            ticker,
            indent,
        }
    }

    /// Row `i` started.
    pub fn started(&self, i: usize) {
        let mut rows = self.rows.lock().expect("progress lock");
        rows.status[i] = Status::Building(Instant::now());
        if !self.live {
            eprintln!(
                "{}{}",
                self.indent,
                line(&rows.labels[i], &rows.status[i], 0)
            );
        }
    }

    /// Row `i` ended; `detail` is shown after the time (`cached`).
    pub fn finished(&self, i: usize, ok: bool, detail: &str) {
        let mut rows = self.rows.lock().expect("progress lock");
        let took = match rows.status[i] {
            Status::Building(t) => t.elapsed(),
            _ => Duration::ZERO,
        };
        rows.status[i] = if ok {
            Status::Done(took, detail.to_string())
        } else {
            Status::Failed(took, detail.to_string())
        };
        if !self.live {
            eprintln!(
                "{}{}",
                self.indent,
                line(&rows.labels[i], &rows.status[i], 0)
            );
        }
    }

    /// Stops redrawing and leaves the final state on screen.
    pub fn finish(mut self) {
        self.stop_ticker();
    }

    fn stop_ticker(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
            redraw(&self.rows, &self.indent);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_ticker();
    }
}

fn redraw(rows: &Mutex<Rows>, indent: &str) {
    let mut rows = rows.lock().expect("progress lock");
    let width = rows.labels.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    if rows.drawn > 0 {
        out.push_str(&format!("\x1b[{}A", rows.drawn));
    }
    for (label, status) in rows.labels.iter().zip(&rows.status) {
        out.push_str("\r\x1b[2K");
        out.push_str(indent);
        out.push_str(&line(label, status, width));
        out.push('\n');
    }
    rows.drawn = rows.labels.len();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(out.as_bytes());
    let _ = err.flush();
}

/// One row: `linux/arm64   done 1.2s (cached)`.
pub fn line(label: &str, status: &Status, width: usize) -> String {
    let state = match status {
        Status::Waiting => "waiting".to_string(),
        Status::Building(t) if t.elapsed() < Duration::from_millis(100) => "building".to_string(),
        Status::Building(t) => format!("building {}", secs(t.elapsed())),
        Status::Done(d, detail) => with_detail(format!("done {}", secs(*d)), detail),
        Status::Failed(d, detail) => with_detail(format!("FAILED after {}", secs(*d)), detail),
    };
    format!("{label:<width$}  {state}")
}

fn with_detail(s: String, detail: &str) -> String {
    if detail.is_empty() {
        s
    } else {
        format!("{s} ({detail})")
    }
}

fn secs(d: Duration) -> String {
    crate::pipeline::secs(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            line("linux/amd64", &Status::Waiting, 12),
            "linux/amd64   waiting"
        );
        assert_eq!(
            line(
                "linux/arm64",
                &Status::Done(Duration::from_millis(1500), "cached".into()),
                0
            ),
            "linux/arm64  done 1.5s (cached)"
        );
        assert_eq!(
            line(
                "x",
                &Status::Failed(Duration::from_millis(20), String::new()),
                0
            ),
            "x  FAILED after 20ms"
        );
    }

    #[test]
    fn plain_mode_tracks_state() {
        let p = Progress::with_mode(vec!["a".into(), "b".into()], "", false);
        p.started(0);
        p.finished(0, true, "cached");
        p.started(1);
        p.finished(1, false, "");
        let rows = p.rows.lock().unwrap();
        assert!(matches!(rows.status[0], Status::Done(_, ref d) if d == "cached"));
        assert!(matches!(rows.status[1], Status::Failed(..)));
    }
}
