//! The six charts of docs/BENCHMARKS.md, each with its file name, its words and its curves
//! taken from the figures.

use crate::chart::{Chart, Target};
use crate::figures::{Figures, LedgerRow, Phase, Server, VerifierRow};
use crate::series::{Marker, Series};
use plotters::style::RGBColor;

/// The rate the verifier's cache build aims at, certificates a second.
pub const CACHE_BUILD_TARGET: f64 = 10_000.0;

const X_LABEL: &str = "certificates on the ledger (log scale)";
const PURPLE: RGBColor = RGBColor(106, 81, 163);
const BLUE: RGBColor = RGBColor(8, 81, 156);
const ORANGE: RGBColor = RGBColor(166, 54, 3);

/// Every chart drawn from `figures`; `machine` is named in each caption.
pub fn charts(figures: &Figures, machine: &str) -> Vec<Chart> {
    let lookups = "wrk, 64 connections, IDs drawn Zipf (s = 1) over every certificate";
    let growth = "the scale benchmark: ApplyBatch 1,000 + ApproveBatch 990 a round";
    let rows = &figures.verifier;
    let ledger = &figures.ledger;
    vec![
        Chart {
            file_name: "verifier-rps.svg",
            title: "Verifier lookups per second as the ledger grows".to_owned(),
            caption: format!("{machine}; {lookups}; higher is better"),
            x_label: X_LABEL.to_owned(),
            y_label: "requests per second".to_owned(),
            series: verifier_series(rows, &Server::ALL, |r| r.rps),
            target: None,
        },
        Chart {
            file_name: "verifier-p99.svg",
            title: "Verifier lookup latency (99th percentile)".to_owned(),
            caption: format!("{machine}; {lookups}; lower is better"),
            x_label: X_LABEL.to_owned(),
            y_label: "p99 latency (ms)".to_owned(),
            series: verifier_series(rows, &Server::ALL, |r| r.p99_ms),
            target: None,
        },
        Chart {
            file_name: "verifier-rss.svg",
            title: "Verifier memory as the ledger grows".to_owned(),
            caption: format!("{machine}; resident set size at the end of each run"),
            x_label: X_LABEL.to_owned(),
            y_label: "RSS (MB)".to_owned(),
            series: verifier_series(rows, &[Server::Verifier, Server::VerifierEveryAnswer], |r| r.rss_mb),
            target: None,
        },
        Chart {
            file_name: "ledger-cost.svg",
            title: "Embedded ledger: CPU time per certificate added".to_owned(),
            caption: format!("{machine}; {growth}"),
            x_label: X_LABEL.to_owned(),
            y_label: "CPU per certificate (ms)".to_owned(),
            series: vec![ledger_series("apply + approve", PURPLE, Marker::Dot, ledger, |r| r.cpu_ms_per_cert)],
            target: None,
        },
        Chart {
            file_name: "cache-build.svg",
            title: "Verifier's cache built from the ledger".to_owned(),
            caption: format!("{machine}; an empty cache brought up to the ledger, as a new verifier does"),
            x_label: X_LABEL.to_owned(),
            y_label: "certificates per second".to_owned(),
            series: vec![ledger_series("cache build", BLUE, Marker::Dot, ledger, |r| r.cache_build_per_s)],
            target: Some(Target { label: "target: 10,000/s".to_owned(), value: CACHE_BUILD_TARGET }),
        },
        Chart {
            file_name: "bytes-per-cert.svg",
            title: "Bytes on disk per certificate".to_owned(),
            caption: format!("{machine}; {growth}"),
            x_label: X_LABEL.to_owned(),
            y_label: "KiB per certificate".to_owned(),
            series: vec![
                ledger_series("embedded ledger", ORANGE, Marker::Dot, ledger, |r| r.ledger_kib_per_cert),
                ledger_series("verifier's cache", BLUE, Marker::Triangle, ledger, |r| r.cache_kib_per_cert),
            ],
            target: None,
        },
    ]
}

/// One curve per (server, phase) with a measured figure: the server's hue, darker and with
/// dots for the still ledger, lighter and with triangles under commits.
fn verifier_series(rows: &[VerifierRow], servers: &[Server], figure: fn(&VerifierRow) -> Option<f64>) -> Vec<Series> {
    let mut series = Vec::new();
    for &server in servers {
        for phase in Phase::ALL {
            let cells =
                rows.iter().filter(|r| r.server == server && r.phase == phase).map(|r| (r.certificates, figure(r)));
            let (colour, marker) = look(server, phase);
            let s = Series::new(format!("{}, {}", server.label(), phase.label()), colour, marker, cells);
            if !s.is_empty() {
                series.push(s);
            }
        }
    }
    series
}

/// A curve of one column of the ledger's figures.
fn ledger_series(
    label: &str,
    colour: RGBColor,
    marker: Marker,
    rows: &[LedgerRow],
    figure: fn(&LedgerRow) -> Option<f64>,
) -> Series {
    Series::new(label, colour, marker, rows.iter().map(|r| (r.certificates, figure(r))))
}

/// A colour-blind-safe pair of shades per server (ColorBrewer's blues, purples, oranges,
/// greens).
fn look(server: Server, phase: Phase) -> (RGBColor, Marker) {
    match (server, phase) {
        (Server::Verifier, Phase::Still) => (BLUE, Marker::Dot),
        (Server::Verifier, Phase::Commits) => (RGBColor(66, 146, 198), Marker::Triangle),
        (Server::VerifierEveryAnswer, Phase::Still) => (PURPLE, Marker::Dot),
        (Server::VerifierEveryAnswer, Phase::Commits) => (RGBColor(158, 154, 200), Marker::Triangle),
        (Server::VerifierBefore, Phase::Still) => (ORANGE, Marker::Dot),
        (Server::VerifierBefore, Phase::Commits) => (RGBColor(241, 105, 19), Marker::Triangle),
        (Server::Nginx, Phase::Still) => (RGBColor(0, 109, 44), Marker::Dot),
        (Server::Nginx, Phase::Commits) => (RGBColor(65, 171, 93), Marker::Triangle),
    }
}
