//! Renders a [`Results`] into a report directory: `REPORT.md`, `charts/*.svg`
//! and `results.json` (the figures with the derived tables and the contract
//! tax beside them). [`text`] writes the Markdown, with the tables and the
//! words of the verdicts of [`taskpool_measure::markdown`] and
//! [`taskpool_measure::words`].

pub mod text;

use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::analysis::{self, Table};
use crate::charts::{self, Chart};
use crate::error::{Context, Result};
use crate::results::Results;
use crate::tax::{self, Tax};

/// Directory of the charts inside a report directory.
pub const CHARTS_DIR: &str = "charts";

/// Everything a report directory receives.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// REPORT.md.
    pub markdown: String,
    /// The charts.
    pub charts: Vec<Chart>,
    /// results.json (with the derived tables filled in).
    pub json: String,
    /// The tables, as derived.
    pub tables: Vec<Table>,
}

/// `results.json` as written: the figures, then what the report derived
/// from them (output only: `cargo xtask report` derives them afresh).
#[derive(Serialize)]
struct Written<'a> {
    #[serde(flatten)]
    results: &'a Results,
    tables: &'a [Table],
    contract_tax: &'a [Tax],
}

/// Renders `results` (tables derived afresh).
pub fn render(results: &Results) -> Result<Rendered> {
    let tables = analysis::tables(results);
    let tax = tax::contract_tax(&tables);
    let mut charts = charts::all(&tables)?;
    for chart in &mut charts {
        stamp(chart, &results.generated_by);
    }
    let markdown = text::markdown(results, &tables, &tax);
    // What is written is the current format (a file of before rounds was
    // brought to it by `results::normalize`).
    let current = Results {
        format: crate::results::FORMAT,
        ..results.clone()
    };
    let written = Written {
        results: &current,
        tables: &tables,
        contract_tax: &tax,
    };
    let json = serde_json::to_string_pretty(&written).context(|| "encoding results.json".into())?;
    Ok(Rendered {
        markdown,
        charts,
        json: json + "\n",
        tables,
    })
}

/// Writes `notice` into `chart`: every generated file says so, here as a
/// `<desc>` right after the `<svg>` tag. Not an XML comment, which may not
/// contain `--` (the notice names `--full`): a viewer refuses such a file
/// as malformed.
pub fn stamp(chart: &mut Chart, notice: &str) {
    let desc = format!("\n<desc>{}</desc>", xml_text(notice));
    if let Some(end) = chart.svg.find('>') {
        chart.svg.insert_str(end + 1, &desc);
    }
}

/// `text` escaped for XML character data.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes `rendered` into `dir`, replacing the previous report there.
pub fn write(dir: &Path, rendered: &Rendered) -> Result<()> {
    let charts_dir = dir.join(CHARTS_DIR);
    if charts_dir.is_dir() {
        fs::remove_dir_all(&charts_dir).context(|| format!("removing {}", charts_dir.display()))?;
    }
    fs::create_dir_all(&charts_dir).context(|| format!("creating {}", charts_dir.display()))?;
    for chart in &rendered.charts {
        let path = charts_dir.join(&chart.file);
        fs::write(&path, &chart.svg).context(|| format!("writing {}", path.display()))?;
    }
    let md = dir.join("REPORT.md");
    fs::write(&md, &rendered.markdown).context(|| format!("writing {}", md.display()))?;
    let json = dir.join("results.json");
    fs::write(&json, &rendered.json).context(|| format!("writing {}", json.display()))?;
    Ok(())
}
