//! Vital-sign trend charts drawn as inline SVG: no chart library, no
//! JavaScript, readable on a phone, and printable.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: &'static str,
    /// CSS class of the line (`trend__line--a`, `trend__line--b`).
    pub class: &'static str,
    /// Oldest first.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

const W: f64 = 320.0;
const H: f64 = 140.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// Where the points of all series go, in SVG coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub lines: Vec<Vec<(f64, f64)>>,
    pub y_min: f64,
    pub y_max: f64,
}

/// Scales the series into the plot area: time along x, values along y with
/// a margin, so a flat series still draws as a line in the middle.
pub fn layout(series: &[Series]) -> Option<Layout> {
    layout_with(series, &[])
}

/// [`layout`] with the y range stretched to show `include` too (the limits
/// of a shaded reference range).
pub fn layout_with(series: &[Series], include: &[f64]) -> Option<Layout> {
    let all: Vec<&(DateTime<Utc>, f64)> = series.iter().flat_map(|s| s.points.iter()).collect();
    let t_min = all.iter().map(|p| p.0).min()?;
    let t_max = all.iter().map(|p| p.0).max()?;
    let values = || all.iter().map(|p| p.1).chain(include.iter().copied());
    let v_min = values().fold(f64::INFINITY, f64::min);
    let v_max = values().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((v_max - v_min) * 0.15).max(1.0);
    let (y_min, y_max) = ((v_min - pad).floor(), (v_max + pad).ceil());
    // No negative axis for values that cannot be negative.
    let y_min = if v_min >= 0.0 { y_min.max(0.0) } else { y_min };
    let span_t = (t_max - t_min).num_seconds().max(1) as f64;
    let x = |t: DateTime<Utc>| {
        if t_max == t_min {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (t - t_min).num_seconds() as f64 / span_t * (W - LEFT - RIGHT)
        }
    };
    let y = |v: f64| TOP + (y_max - v) / (y_max - y_min) * (H - TOP - BOTTOM);
    Some(Layout {
        lines: series
            .iter()
            .map(|s| s.points.iter().map(|(t, v)| (x(*t), y(*v))).collect())
            .collect(),
        y_min,
        y_max,
    })
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A small multi-series line chart with its latest values in the caption;
/// `band` shades a reference range (either limit may be open).
#[component]
pub fn TrendChart(
    #[prop(into)] title: String,
    #[prop(into)] unit: String,
    series: Vec<Series>,
    #[prop(optional)] band: Option<(Option<f64>, Option<f64>)>,
) -> impl IntoView {
    let series: Vec<Series> = series
        .into_iter()
        .filter(|s| !s.points.is_empty())
        .collect();
    let include: Vec<f64> = band
        .map(|(l, h)| [l, h].into_iter().flatten().collect())
        .unwrap_or_default();
    let Some(geometry) = layout_with(&series, &include) else {
        return view! {
            <figure class="trend trend--empty">
                <figcaption><strong>{title}</strong></figcaption>
                <p class="muted">"No readings yet."</p>
            </figure>
        }
        .into_any();
    };
    let latest = series
        .iter()
        .filter_map(|s| s.points.last().map(|p| number(p.1)))
        .collect::<Vec<_>>()
        .join("/");
    let first = series
        .iter()
        .filter_map(|s| s.points.first())
        .map(|p| p.0)
        .min();
    let last = series
        .iter()
        .filter_map(|s| s.points.last())
        .map(|p| p.0)
        .max();
    let label = format!("{title}: latest {latest} {unit}");
    let lines = series
        .iter()
        .zip(geometry.lines.iter())
        .map(|(s, pts)| {
            let path = pts
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let dots = s
                .points
                .iter()
                .zip(pts.iter())
                .map(|((t, v), (x, y))| {
                    let tip = format!("{} {}: {} {unit}", s.label, t.format("%-d %b %Y %H:%M"), number(*v));
                    view! { <circle class=format!("trend__dot {}", s.class) cx=format!("{x:.1}") cy=format!("{y:.1}") r="3"><title>{tip}</title></circle> }
                })
                .collect_view();
            view! {
                <polyline class=format!("trend__line {}", s.class) points=path fill="none"/>
                {dots}
            }
        })
        .collect_view();
    let legend = (series.len() > 1).then(|| {
        series
            .iter()
            .map(|s| view! { <span class=format!("trend__key {}", s.class)>{s.label}</span> })
            .collect_view()
    });
    let axis_y = H - BOTTOM;
    let y_of = |v: f64| {
        TOP + (geometry.y_max - v) / (geometry.y_max - geometry.y_min) * (H - TOP - BOTTOM)
    };
    let shade = band.map(|(low, high)| {
        let top = high.map_or(TOP, y_of);
        let bottom = low.map_or(axis_y, y_of);
        view! {
            <rect class="trend__band" x=LEFT y=format!("{top:.1}") width=W - LEFT - RIGHT
                height=format!("{:.1}", (bottom - top).max(0.0))><title>"Reference range"</title></rect>
        }
    });
    view! {
        <figure class="trend" data-testid="trend">
            <figcaption><strong>{title}</strong>" "<span class="muted">{format!("latest {latest} {unit}")}</span>" "{legend}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label class="trend__svg">
                {shade}
                <line class="trend__axis" x1=LEFT y1=TOP x2=LEFT y2=axis_y/>
                <line class="trend__axis" x1=LEFT y1=axis_y x2=W - RIGHT y2=axis_y/>
                <text class="trend__tick" x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end">{number(geometry.y_max)}</text>
                <text class="trend__tick" x=LEFT - 4.0 y=axis_y text-anchor="end">{number(geometry.y_min)}</text>
                <text class="trend__tick" x=LEFT y=H - 6.0>{first.map(|t| t.format("%-d %b").to_string())}</text>
                <text class="trend__tick" x=W - RIGHT y=H - 6.0 text-anchor="end">{last.map(|t| t.format("%-d %b").to_string())}</text>
                {lines}
            </svg>
        </figure>
    }
    .into_any()
}

/// The standard set of vital-sign charts for a list of readings (newest first).
#[component]
pub fn VitalsTrends(vitals: Vec<shared::chart::VitalsView>) -> impl IntoView {
    let mut oldest_first = vitals;
    oldest_first.reverse();
    let pick = |f: &dyn Fn(&shared::chart::VitalsView) -> Option<f64>| {
        oldest_first
            .iter()
            .filter_map(|v| f(v).map(|x| (v.recorded_at, x)))
            .collect::<Vec<_>>()
    };
    let bp = vec![
        Series {
            label: "Systolic",
            class: "trend__line--a",
            points: pick(&|v| v.vitals.systolic.map(f64::from)),
        },
        Series {
            label: "Diastolic",
            class: "trend__line--b",
            points: pick(&|v| v.vitals.diastolic.map(f64::from)),
        },
    ];
    let one = |label: &'static str, f: &dyn Fn(&shared::chart::VitalsView) -> Option<f64>| {
        vec![Series {
            label,
            class: "trend__line--a",
            points: pick(f),
        }]
    };
    let hr = one("Heart rate", &|v| v.vitals.heart_rate.map(f64::from));
    let temp = one("Temperature", &|v| v.vitals.temperature_c);
    let spo2 = one("SpO2", &|v| v.vitals.spo2.map(f64::from));
    let weight = one("Weight", &|v| v.vitals.weight_kg);
    view! {
        <div class="trends">
            <TrendChart title="Blood pressure" unit="mmHg" series=bp/>
            <TrendChart title="Heart rate" unit="/min" series=hr/>
            <TrendChart title="Temperature" unit="°C" series=temp/>
            <TrendChart title="SpO2" unit="%" series=spo2/>
            <TrendChart title="Weight" unit="kg" series=weight/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_fall_inside_the_plot_area() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let s = Series {
            label: "HR",
            class: "a",
            points: vec![
                (t0, 60.0),
                (t0 + chrono::Duration::days(1), 90.0),
                (t0 + chrono::Duration::days(2), 75.0),
            ],
        };
        let l = layout(&[s]).unwrap();
        assert!(l.y_min < 60.0 && l.y_max > 90.0);
        let line = &l.lines[0];
        assert_eq!(line[0].0, LEFT);
        assert!((line[2].0 - (W - RIGHT)).abs() < 1e-9);
        for (x, y) in line {
            assert!((LEFT..=W - RIGHT).contains(x));
            assert!((TOP..=H - BOTTOM).contains(y), "{y}");
        }
        // Higher values are drawn higher up (smaller y).
        assert!(line[1].1 < line[0].1);
    }

    #[test]
    fn one_point_is_centred_and_no_points_draw_nothing() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let l = layout(&[Series {
            label: "x",
            class: "a",
            points: vec![(t0, 5.0)],
        }])
        .unwrap();
        assert_eq!(l.lines[0][0].0, LEFT + (W - LEFT - RIGHT) / 2.0);
        assert!(layout(&[Series {
            label: "x",
            class: "a",
            points: vec![]
        }])
        .is_none());
    }
}
