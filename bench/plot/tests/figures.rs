//! Reading the figures: the files in tests/data (a fixed copy of docs/bench), the committed
//! docs/bench files, empty cells as `None`, and every kind of
//! bad input refused with its file, line and column.

use nanotrace_plot::figures::{LedgerRow, Phase, Server, VerifierRow, LEDGER_FILE, VERIFIER_FILE};
use nanotrace_plot::table;
use nanotrace_plot::{Error, Figures};
use std::path::{Path, PathBuf};

const HEADER: &str = "certificates\tphase\tserver\trps\tp50_ms\tp99_ms\trss_mb\n";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn verifier(text: &str) -> Result<Vec<VerifierRow>, Error> {
    table::parse(Path::new("v.tsv"), text.as_bytes())
}

fn ledger(text: &str) -> Result<Vec<LedgerRow>, Error> {
    table::parse(Path::new("l.tsv"), text.as_bytes())
}

#[test]
fn the_fixture_reads_as_measured() {
    let figures = Figures::load(&fixture()).unwrap();
    assert_eq!(figures.verifier.len(), 12);
    let row = |certificates, phase, server| {
        figures
            .verifier
            .iter()
            .find(|r| r.certificates == certificates && r.phase == phase && r.server == server)
            .unwrap()
    };
    let v = row(1_007_900, Phase::Commits, Server::Verifier);
    assert_eq!((v.rps, v.p50_ms, v.p99_ms, v.rss_mb), (Some(39_663.0), None, Some(59.7), Some(521.0)));
    let n = row(10_000, Phase::Still, Server::Nginx);
    assert_eq!((n.rps, n.p99_ms, n.rss_mb), (Some(114_767.0), Some(3.74), None));
    let b = row(10_000, Phase::Commits, Server::VerifierBefore);
    assert_eq!((b.rps, b.p99_ms), (Some(36_973.0), Some(6.41)));
    assert!(figures.verifier.iter().all(|r| r.p50_ms.is_none()));

    assert_eq!(
        figures.ledger,
        vec![
            LedgerRow {
                certificates: 100_000,
                added_per_s: Some(5854.0),
                cpu_ms_per_cert: Some(0.203),
                ledger_kib_per_cert: Some(1.83),
                cache_build_per_s: Some(7996.0),
                cache_kib_per_cert: Some(2.03),
            },
            LedgerRow {
                certificates: 1_000_000,
                added_per_s: Some(4556.0),
                cpu_ms_per_cert: Some(0.285),
                ledger_kib_per_cert: Some(1.50),
                cache_build_per_s: Some(5952.0),
                cache_kib_per_cert: Some(1.53),
            },
        ]
    );
}

#[test]
fn comments_blank_lines_column_order_and_empty_cells() {
    let text = "# a comment\n\
                \n\
                server\tcertificates\trss_mb\tphase\trps\tp99_ms\tp50_ms\n\
                # another, between rows\n\
                nginx\t100000\t\tstill\t90000\t6.5\t\n\
                verifier\t10000000\t900\tcommits\t\t\t0.9\n";
    let rows = verifier(text).unwrap();
    assert_eq!(
        rows,
        vec![
            VerifierRow {
                certificates: 100_000,
                phase: Phase::Still,
                server: Server::Nginx,
                rps: Some(90_000.0),
                p50_ms: None,
                p99_ms: Some(6.5),
                rss_mb: None,
            },
            VerifierRow {
                certificates: 10_000_000,
                phase: Phase::Commits,
                server: Server::Verifier,
                rps: None,
                p50_ms: Some(0.9),
                p99_ms: None,
                rss_mb: Some(900.0),
            },
        ]
    );
}

/// The error, as the user sees it.
fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
    result.expect_err("an error").to_string()
}

#[test]
fn a_bad_number_names_its_file_line_and_column() {
    // Line 4: two comment lines and the header before it.
    let text = format!("# one\n# two\n{HEADER}10000\tstill\tnginx\t11x5\t\t3.7\t\n");
    let error = verifier(&text).unwrap_err();
    assert!(matches!(&error, Error::Cell { line: 4, column, .. } if column == "rps"), "{error:?}");
    assert_eq!(error.to_string(), "v.tsv:4: column `rps`: `11x5` is not a number");

    // Windows line ends, blank lines and comments between rows: still the editor's line.
    let text = format!(
        "# one\r\n{}\r\n10000\tstill\tnginx\t1\t\t3.7\t\r\n\r\n# two\r\n\r\n10000\tcommits\tnginx\t2\t\tslow\t\r\n",
        HEADER.trim_end()
    );
    assert_eq!(message(verifier(&text)), "v.tsv:7: column `p99_ms`: `slow` is not a number");

    let text =
        "certificates\tadded_per_s\tcpu_ms_per_cert\tledger_kib_per_cert\tcache_build_per_s\tcache_kib_per_cert\n\
                100000\t5854\t0.203\t1.83\t7996\t2.03\n\
                1e6\t4556\t0.285\t1.50\t5952\t1.53\n";
    assert_eq!(message(ledger(text)), "l.tsv:3: column `certificates`: `1e6` is not a whole number");
}

#[test]
fn values_serde_accepts_but_a_chart_cannot_are_refused() {
    for (cell, column, expected) in [
        ("-5", "rps", "`-5` is not a finite number"),
        ("inf", "rps", "`inf` is not a finite number"),
        ("NaN", "rps", "`NaN` is not a finite number"),
    ] {
        let text = format!("{HEADER}10000\tstill\tnginx\t{cell}\t\t3.7\t\n");
        let got = message(verifier(&text));
        assert!(got.starts_with(&format!("v.tsv:2: column `{column}`: {expected}")), "{got}");
    }
    let text = format!("{HEADER}0\tstill\tnginx\t1\t\t3.7\t\n");
    assert!(message(verifier(&text)).starts_with("v.tsv:2: column `certificates`: 0"));
}

#[test]
fn an_unknown_phase_or_server_is_refused() {
    let text = format!("{HEADER}10000\tstill\tnginx\t1\t\t3.7\t\n10000\tidle\tnginx\t1\t\t3.7\t\n");
    let got = message(verifier(&text));
    assert_eq!(got, "v.tsv:3: column `phase`: unknown phase `idle` (one of: still commits)");

    let text = format!("{HEADER}10000\tstill\tapache\t1\t\t3.7\t\n");
    let got = message(verifier(&text));
    assert_eq!(got, "v.tsv:2: column `server`: unknown server `apache` (one of: verifier verifier-every-answer verifier-before nginx)");
}

#[test]
fn an_empty_required_cell_is_refused() {
    let text = format!("{HEADER}10000\t\tnginx\t1\t\t3.7\t\n");
    assert_eq!(message(verifier(&text)), "v.tsv:2: column `phase`: empty, but this column needs a value");
}

#[test]
fn the_header_must_name_every_column_once_and_no_other() {
    let unknown = "# c\ncertificates\tphase\tserver\trps\tp50_ms\tp99\trss_mb\n";
    let got = message(verifier(unknown));
    assert!(got.starts_with("v.tsv:2: header: unknown column `p99`"), "{got}");

    let missing = "certificates\tphase\tserver\trps\tp50_ms\tp99_ms\n";
    assert_eq!(message(verifier(missing)), "v.tsv:1: header: missing column(s): rss_mb");

    let twice = "certificates\tphase\tserver\trps\trps\tp50_ms\tp99_ms\trss_mb\n";
    assert_eq!(message(verifier(twice)), "v.tsv:1: header: column `rps` named twice");

    assert!(message(verifier("")).contains("missing column(s): certificates phase server"));
}

#[test]
fn a_row_of_the_wrong_width_or_measured_twice_is_refused() {
    // Spaces instead of tabs: one cell.
    let text = format!("{HEADER}10000 still nginx 1 2 3 4\n");
    assert_eq!(message(verifier(&text)), "v.tsv:2: 1 cells where the header names 7 (cells are separated by tabs)");

    let text = format!("{HEADER}10000\tstill\tnginx\t1\t\t3.7\t\n# again\n10000\tstill\tnginx\t2\t\t3.9\t\n");
    assert_eq!(message(verifier(&text)), "v.tsv:4: 10000 certificates, still, nginx measured twice (first on line 2)");
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(VERIFIER_FILE), HEADER).unwrap();
    let error = Figures::load(dir.path()).unwrap_err();
    let path = dir.path().join(LEDGER_FILE);
    assert!(matches!(&error, Error::Read { path: p, .. } if *p == path), "{error:?}");
    assert!(error.to_string().starts_with(&format!("{}: cannot read: ", path.display())));
}

/// The figures committed in docs/bench (which change with each run) read, and every
/// chart drawn from them has a curve for each server measured.
#[test]
fn the_committed_figures_in_docs_bench_read_and_draw() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/bench");
    let figures = Figures::load(&docs).expect("docs/bench reads");
    for server in [Server::Verifier, Server::VerifierEveryAnswer, Server::Nginx] {
        for phase in [Phase::Still, Phase::Commits] {
            assert!(
                figures.verifier.iter().any(|r| r.server == server && r.phase == phase && r.rps.is_some()),
                "no {server:?} {phase:?} row in docs/bench"
            );
        }
    }
    assert!(figures.ledger.len() >= 2, "{:?}", figures.ledger);
    for chart in nanotrace_plot::catalogue::charts(&figures, "2 vCPUs, 23 GiB") {
        chart.render().unwrap_or_else(|e| panic!("{}: {e}", chart.file_name));
    }
}
