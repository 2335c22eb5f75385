//! A curve of a chart: its points (certificates, figure) in the order of the x axis, its
//! legend label, its colour and the marker of its points.

use plotters::style::RGBColor;

/// The mark drawn at each measured point, so that curves of close colours stay apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Dot,
    /// A filled triangle.
    Triangle,
}

/// One curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its label in the legend.
    pub label: String,
    /// Its line's and markers' colour.
    pub colour: RGBColor,
    /// Its markers.
    pub marker: Marker,
    /// (certificates, figure), by certificates.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// The curve through the measured cells: a cell not measured (`None`) is no point.
    pub fn new(
        label: impl Into<String>,
        colour: RGBColor,
        marker: Marker,
        cells: impl IntoIterator<Item = (u64, Option<f64>)>,
    ) -> Self {
        // Certificate counts up to 2^53 are exact as f64; the axis is logarithmic anyway.
        #[allow(clippy::cast_precision_loss)]
        let mut points: Vec<(f64, f64)> = cells.into_iter().filter_map(|(x, y)| y.map(|y| (x as f64, y))).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        Series { label: label.into(), colour, marker, points }
    }

    /// Whether no cell of it was measured.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}
