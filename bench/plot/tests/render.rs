//! Rendering: a chart's SVG holds each curve's legend label and exactly one line per curve;
//! cells not measured are no point, and a curve without any is not drawn at all.

use nanotrace_plot::catalogue::{self, CACHE_BUILD_TARGET};
use nanotrace_plot::chart::Chart;
use nanotrace_plot::figures::{LedgerRow, Phase, Server, VerifierRow};
use nanotrace_plot::series::{Marker, Series};
use nanotrace_plot::{render, Error, Figures};
use plotters::style::RGBColor;
use std::path::Path;

fn figures() -> Figures {
    Figures::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")).expect("tests/data reads")
}

fn chart<'a>(charts: &'a [Chart], file_name: &str) -> &'a Chart {
    charts.iter().find(|c| c.file_name == file_name).expect("a chart of that name")
}

fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

/// The `<polyline>` elements drawn in `colour`.
fn lines_in(svg: &str, colour: RGBColor) -> usize {
    let stroke = format!("stroke=\"{}\"", hex(colour));
    svg.split("<polyline").skip(1).filter(|element| element.split('>').next().unwrap_or("").contains(&stroke)).count()
}

/// The text of every `<text>` element, its XML entities read.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_owned()))
        .map(|t| {
            t.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn every_curve_has_its_legend_label_and_one_line() {
    let charts = catalogue::charts(&figures(), "2 vCPUs, 23 GiB");
    let expected = [
        ("verifier-rps.svg", 6),
        ("verifier-p99.svg", 6),
        ("verifier-rss.svg", 2),
        ("ledger-cost.svg", 1),
        ("cache-build.svg", 1),
        ("bytes-per-cert.svg", 2),
    ];
    assert_eq!(charts.iter().map(|c| c.file_name).collect::<Vec<_>>(), expected.map(|e| e.0));
    for (file_name, curves) in expected {
        let chart = chart(&charts, file_name);
        assert_eq!(chart.drawn_series().count(), curves, "{file_name}");
        let svg = chart.render().unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{file_name}");
        let texts = texts(&svg);
        for s in chart.drawn_series() {
            assert!(texts.contains(&s.label), "{file_name}: no legend label {:?} in {texts:?}", s.label);
            assert_eq!(lines_in(&svg, s.colour), 1, "{file_name}: {}", s.label);
        }
        assert!(texts.contains(&chart.title), "{file_name}");
        assert!(texts.iter().any(|t| t.starts_with("2 vCPUs, 23 GiB")), "{file_name}: no caption");
        assert!(texts.contains(&"certificates on the ledger (log scale)".to_owned()), "{file_name}");
    }

    let rps = chart(&charts, "verifier-rps.svg");
    let labels: Vec<&str> = rps.drawn_series().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "verifier, 256 MiB of answers, still ledger",
            "verifier, 256 MiB of answers, 100 commits/s",
            "verifier (before), still ledger",
            "verifier (before), 100 commits/s",
            "nginx, still ledger",
            "nginx, 100 commits/s",
        ]
    );
    assert_eq!(rps.drawn_series().next().unwrap().points, vec![(10_000.0, 103_807.0), (1_007_900.0, 43_137.0)]);
    // The certificates axis is labelled at the powers of ten.
    let texts = texts(&rps.render().unwrap());
    for tick in ["10k", "100k", "1M"] {
        assert!(texts.contains(&tick.to_owned()), "no tick {tick} in {texts:?}");
    }
    // Only the verifier's memory is measured.
    let rss = chart(&charts, "verifier-rss.svg");
    assert!(rss.drawn_series().all(|s| s.label.starts_with("verifier, ")));
}

#[test]
fn the_cache_build_chart_has_its_dashed_target() {
    let charts = catalogue::charts(&figures(), "2 vCPUs, 23 GiB");
    let chart = chart(&charts, "cache-build.svg");
    assert_eq!(chart.target.as_ref().map(|t| t.value), Some(CACHE_BUILD_TARGET));
    let svg = chart.render().unwrap();
    let texts = texts(&svg);
    // On the line and in the legend.
    assert_eq!(texts.iter().filter(|t| t.as_str() == "target: 10,000/s").count(), 2, "{texts:?}");
    // Dashed: many short lines in the target's colour, beside the curve's one.
    assert!(lines_in(&svg, RGBColor(203, 24, 29)) > 10);
}

fn verifier_row(certificates: u64, phase: Phase, server: Server, rps: Option<f64>) -> VerifierRow {
    VerifierRow { certificates, phase, server, rps, p50_ms: None, p99_ms: Some(1.0), rss_mb: None }
}

#[test]
fn cells_not_measured_are_no_point_and_a_curve_without_points_is_not_drawn() {
    let figures = Figures {
        verifier: vec![
            verifier_row(10_000, Phase::Still, Server::Verifier, Some(100.0)),
            verifier_row(100_000, Phase::Still, Server::Verifier, None),
            verifier_row(1_000_000, Phase::Still, Server::Verifier, Some(50.0)),
            verifier_row(10_000, Phase::Still, Server::Nginx, None),
        ],
        ledger: vec![LedgerRow {
            certificates: 100_000,
            added_per_s: None,
            cpu_ms_per_cert: Some(0.2),
            ledger_kib_per_cert: None,
            cache_build_per_s: Some(8000.0),
            cache_kib_per_cert: Some(2.0),
        }],
    };
    let charts = catalogue::charts(&figures, "a machine");
    let rps = chart(&charts, "verifier-rps.svg");
    let drawn: Vec<&Series> = rps.drawn_series().collect();
    assert_eq!(drawn.len(), 1);
    assert_eq!(drawn[0].label, "verifier, 256 MiB of answers, still ledger");
    assert_eq!(drawn[0].points, vec![(10_000.0, 100.0), (1_000_000.0, 50.0)]);
    let svg = rps.render().unwrap();
    assert!(!texts(&svg).iter().any(|t| t.starts_with("nginx")));
    // Its one line goes through two points: the cell not measured is not drawn as zero.
    let line = svg.split("<polyline").find(|e| e.contains(&format!("stroke=\"{}\"", hex(drawn[0].colour)))).unwrap();
    let points = line.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(points.split_whitespace().count(), 2, "{points}");

    // The p99 chart has both servers: nginx's row measured its p99.
    assert_eq!(chart(&charts, "verifier-p99.svg").drawn_series().count(), 2);
    // The bytes chart: the ledger's column is empty, the cache's is not.
    let bytes: Vec<&str> = chart(&charts, "bytes-per-cert.svg").drawn_series().map(|s| s.label.as_str()).collect();
    assert_eq!(bytes, ["verifier's cache"]);
    let svg = chart(&charts, "bytes-per-cert.svg").render().unwrap();
    assert!(!texts(&svg).contains(&"embedded ledger".to_owned()));

    // A single size draws too.
    assert!(chart(&charts, "cache-build.svg").render().is_ok());
    // No RSS at all: that chart cannot be drawn, so none is.
    let error = render(&figures, "a machine").unwrap_err();
    assert!(matches!(&error, Error::Empty { chart, .. } if chart == "verifier-rss.svg"), "{error:?}");
}

#[test]
fn a_chart_without_any_point_is_an_error_naming_it() {
    let chart = Chart {
        file_name: "empty.svg",
        title: "Nothing".to_owned(),
        caption: String::new(),
        x_label: "x".to_owned(),
        y_label: "requests per second".to_owned(),
        series: vec![Series::new("none", RGBColor(0, 0, 255), Marker::Dot, [(10_000, None), (100_000, None)])],
        target: None,
    };
    let error = chart.render().unwrap_err();
    assert!(matches!(&error, Error::Empty { chart, .. } if chart == "empty.svg"), "{error:?}");
    assert_eq!(error.to_string(), "empty.svg: no figures to draw (requests per second)");
}
