//! The Markdown tables: percentiles, the per-cell table, the end-to-end rows.

use crate::cell::CellResult;
use std::time::Duration;

/// The `p` percentile of sorted latencies, in ms (NaN for none).
pub(crate) fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx].as_secs_f64() * 1000.0
}

/// [`pct`] as a table cell: one decimal, `–` for none.
pub(crate) fn ms(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        "–".into()
    } else {
        format!("{:.1}", pct(sorted, p))
    }
}

/// The header of the per-cell table ([`row`]).
pub(crate) fn header() {
    println!("| workload | in flight | ok | failed | seconds | tx/s | certs/s | endorse p50 ms | endorse p99 ms | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
}

/// One cell's row; `per_tx` items per transaction give the certs/s column (0: none). The
/// cell's first error goes to stderr.
pub(crate) fn row(workload: &str, inflight: usize, per_tx: usize, r: &CellResult) {
    let certs = if per_tx > 0 { format!("{:.0}", r.tps() * per_tx as f64) } else { "–".into() };
    println!(
        "| {workload} | {inflight} | {} | {} | {:.1} | {:.1} | {certs} | {} | {} | {} | {} |",
        r.ok,
        r.failed,
        r.elapsed.as_secs_f64(),
        r.tps(),
        ms(&r.endorse, 0.50),
        ms(&r.endorse, 0.99),
        ms(&r.latencies, 0.50),
        ms(&r.latencies, 0.99),
    );
    if let Some(e) = &r.first_error {
        eprintln!("[load] {workload} @{inflight}: first error: {e}");
    }
}

/// `a / b` with two decimals, `–` when it means nothing.
pub(crate) fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() {
        format!("{:.2}", a / b)
    } else {
        "–".into()
    }
}

/// An end-to-end row: certificates committed per second over an apply cell and the approve
/// cell that follows, and the client's read + sign time between them (not in the rate).
pub(crate) fn end_to_end(
    label: &str,
    k: usize,
    certs: usize,
    apply: &CellResult,
    approve: &CellResult,
    attach: Option<&CellResult>,
    prep: Duration,
) {
    let attach_secs = attach.map_or(0.0, |a| a.elapsed.as_secs_f64());
    let secs = apply.elapsed.as_secs_f64() + approve.elapsed.as_secs_f64() + attach_secs;
    let approve_secs = match attach {
        Some(_) => format!("{:.1} + {attach_secs:.1} (credentials)", approve.elapsed.as_secs_f64()),
        None => format!("{:.1}", approve.elapsed.as_secs_f64()),
    };
    println!(
        "| {label} | {k} | {certs} | {:.1} | {approve_secs} | {:.0} | {:.1} |",
        apply.elapsed.as_secs_f64(),
        certs as f64 / secs.max(1e-9),
        prep.as_secs_f64(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_round_up_to_a_sample() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(pct(&v, 0.5), 50.0);
        assert_eq!(pct(&v, 0.99), 99.0);
        assert_eq!(ms(&[], 0.5), "–");
        assert_eq!(ratio(3.0, 2.0), "1.50");
        assert_eq!(ratio(3.0, 0.0), "–");
    }
}
