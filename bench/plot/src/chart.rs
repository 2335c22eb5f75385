//! Drawing one chart into an SVG string, in memory: a title, a caption line under it, the
//! curves on a logarithmic certificates axis and a linear one for the figure, an optional
//! dashed target line, and the legend beside the plot so that it never covers a curve.

use crate::error::Error;
use crate::series::{Marker, Series};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (840, 440);
/// Width of the legend column, right of the plot.
const LEGEND_WIDTH: u32 = 290;
/// The target line's colour.
const TARGET_COLOUR: RGBColor = RGBColor(203, 24, 29);
const TEXT: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(96, 96, 96);
const FONT: &str = "sans-serif";

/// A horizontal line for a figure to reach, e.g. a rate a design aims at.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its label, on the line and in the legend.
    pub label: String,
    /// Its height on the y axis.
    pub value: f64,
}

/// One chart, drawn from certificates (x) to a figure (y).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The SVG file's name, e.g. `verifier-rps.svg`.
    pub file_name: &'static str,
    /// The title, on top.
    pub title: String,
    /// The line under the title: the machine, the workload.
    pub caption: String,
    /// The x axis's description.
    pub x_label: String,
    /// The y axis's description, with its unit.
    pub y_label: String,
    /// The curves; those without a point are left out.
    pub series: Vec<Series>,
    /// A horizontal line to compare with.
    pub target: Option<Target>,
}

impl Chart {
    /// The curves with at least one point, each drawn as one `<polyline>` plus its markers.
    pub fn drawn_series(&self) -> impl Iterator<Item = &Series> {
        self.series.iter().filter(|s| !s.is_empty())
    }

    /// The chart as an SVG document; an error if no curve has a point.
    pub fn render(&self) -> Result<String, Error> {
        let series: Vec<&Series> = self.drawn_series().collect();
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let (Some(x_min), Some(x_max)) = (xs.clone().reduce(f64::min), xs.reduce(f64::max)) else {
            return Err(Error::Empty { chart: self.file_name.to_owned(), hint: self.y_label.clone() });
        };
        let y_max = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.target.iter().map(|t| t.value))
            .fold(0.0_f64, f64::max);
        let y_top = if y_max > 0.0 { y_max * 1.12 } else { 1.0 };
        // Half a step of the log scale either side, so the end points are not on the frame.
        let (x_lo, x_hi) = (x_min / 1.6, x_max * 1.6);

        let mut svg = String::new();
        self.draw(&mut svg, &series, (x_lo, x_hi), y_top)
            .map_err(|e| Error::Draw { chart: self.file_name.to_owned(), message: e.to_string() })?;
        Ok(svg)
    }

    fn draw(
        &self,
        svg: &mut String,
        series: &[&Series],
        (x_lo, x_hi): (f64, f64),
        y_top: f64,
    ) -> Result<(), DrawingAreaErrorKind<<SVGBackend<'_> as DrawingBackend>::ErrorType>> {
        let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.margin(8, 4, 4, 4);
        let area = root.titled(&self.title, (FONT, 24).into_font().style(FontStyle::Bold).color(&TEXT))?;
        let area = area.titled(&self.caption, (FONT, 16).into_font().color(&MUTED))?;
        let (plot, legend) = area.split_horizontally(SIZE.0 - LEGEND_WIDTH);

        let (bold, light) = log_ticks(x_lo, x_hi);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(12)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d((x_lo..x_hi).log_scale().with_key_points(bold).with_light_points(light), 0.0..y_top)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|x| count_label(*x))
            .y_label_formatter(&|y| figure_label(*y, y_top))
            .y_labels(8)
            .y_max_light_lines(1)
            .axis_desc_style((FONT, 16).into_font().color(&TEXT))
            .label_style((FONT, 15).into_font().color(&TEXT))
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()?;

        if let Some(target) = &self.target {
            chart.draw_series(DashedLineSeries::new(
                [(x_lo, target.value), (x_hi, target.value)],
                10,
                6,
                TARGET_COLOUR.stroke_width(2),
            ))?;
            let style = (FONT, 15).into_font().color(&TARGET_COLOUR).pos(Pos::new(HPos::Left, VPos::Bottom));
            chart.draw_series(std::iter::once(Text::new(target.label.clone(), (x_lo * 1.08, target.value), style)))?;
        }
        for s in series {
            chart.draw_series(LineSeries::new(s.points.iter().copied(), s.colour.stroke_width(2)))?;
            chart.draw_series(s.points.iter().map(|&p| marker(s.marker, p, s.colour)))?;
        }

        // The legend: a swatch of line and marker, then the label, one entry a row.
        let text = (FONT, 15).into_font().color(&TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        let mut y = 24;
        for s in series {
            legend.draw(&Rectangle::new([(6, y - 1), (36, y + 1)], s.colour.filled()))?;
            legend.draw(&marker(s.marker, (21, y), s.colour))?;
            legend.draw(&Text::new(s.label.as_str(), (44, y), text.clone()))?;
            y += 24;
        }
        if let Some(target) = &self.target {
            for x in [6, 18, 30] {
                legend.draw(&Rectangle::new([(x, y - 1), (x + 8, y + 1)], TARGET_COLOUR.filled()))?;
            }
            legend.draw(&Text::new(target.label.as_str(), (44, y), text.clone()))?;
        }
        root.present()
    }
}

/// A point's marker, in data or pixel coordinates.
fn marker<DB: DrawingBackend, C: Clone + 'static>(kind: Marker, at: C, colour: RGBColor) -> DynElement<'static, DB, C> {
    match kind {
        Marker::Dot => Circle::new(at, 4, colour.filled()).into_dyn(),
        Marker::Triangle => TriangleMarker::new(at, 6, colour.filled()).into_dyn(),
    }
}

/// The certificates axis's ticks: labelled at the powers of ten in range (or at 1, 2 and 5
/// times them when fewer than two are), light grid lines at the other multiples.
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    // Exponents of ten: small integers, exact as i32.
    #[allow(clippy::cast_possible_truncation)]
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let multiples = |steps: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| steps.iter().map(move |m| m * 10_f64.powi(e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let mut bold = multiples(&[1.0]);
    if bold.len() < 2 {
        bold = multiples(&[1.0, 2.0, 5.0]);
    }
    let light =
        multiples(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]).into_iter().filter(|v| !bold.contains(v)).collect();
    (bold, light)
}

/// A number of certificates as a tick label: 10k, 100k, 1M, 2.5M.
pub fn count_label(x: f64) -> String {
    let x = x.round();
    if x >= 1e6 {
        format!("{}M", trimmed(x / 1e6, 1))
    } else if x >= 1e3 {
        format!("{}k", trimmed(x / 1e3, 1))
    } else {
        trimmed(x, 0)
    }
}

/// A figure as a tick label, its precision from the axis's top: 120k, 60, 2.5, 0.05.
pub fn figure_label(y: f64, top: f64) -> String {
    if top >= 10_000.0 && y != 0.0 {
        return format!("{}k", trimmed(y / 1e3, 1));
    }
    let decimals = match top {
        t if t >= 50.0 => 0,
        t if t >= 5.0 => 1,
        t if t >= 0.5 => 2,
        _ => 3,
    };
    trimmed(y, decimals)
}

/// `value` with at most `decimals` decimals, without trailing zeros.
fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels() {
        assert_eq!(count_label(10_000.0), "10k");
        assert_eq!(count_label(100_000.0), "100k");
        assert_eq!(count_label(1_000_000.0), "1M");
        assert_eq!(count_label(2_500_000.0), "2.5M");
        assert_eq!(count_label(500.0), "500");
        assert_eq!(figure_label(120_000.0, 130_000.0), "120k");
        assert_eq!(figure_label(12_500.0, 130_000.0), "12.5k");
        assert_eq!(figure_label(60.0, 66.0), "60");
        assert_eq!(figure_label(2.5, 6.0), "2.5");
        assert_eq!(figure_label(0.05, 0.32), "0.05");
        assert_eq!(figure_label(0.0, 0.32), "0");
        assert_eq!(figure_label(0.0, 130_000.0), "0");
    }

    #[test]
    fn decades_are_the_ticks_when_two_fit() {
        let (bold, light) = log_ticks(6_250.0, 1_612_640.0);
        assert_eq!(bold, vec![1e4, 1e5, 1e6]);
        assert!(light.contains(&2e4) && light.contains(&9e5) && !light.contains(&1e5));
        assert!(light.iter().all(|v| (6_250.0..=1_612_640.0).contains(v)));
        // One size only: 1, 2 and 5 times the powers of ten in range.
        let (bold, _) = log_ticks(6_250.0, 16_000.0);
        assert_eq!(bold, vec![1e4]);
        let (bold, _) = log_ticks(1_500.0, 9_000.0);
        assert_eq!(bold, vec![2e3, 5e3]);
    }
}
