//! `wardwatch assets`: the passive device inventory the `new-device`
//! detector keeps (`[new-device] inventory_file`), printed as a table or
//! exported as JSON or CSV — the CSV laid out as the hospital's equipment
//! ledger (one row per device: MAC, vendor, addresses, host names, first and
//! last seen, how it was seen, services, protocols).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::correlate::{DetectorsConfig, Inventory, InventoryError};
use crate::time::Timestamp;

/// Output format of `wardwatch assets`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AssetsFormat {
    /// Aligned columns for a terminal.
    Table,
    /// The inventory file's JSON.
    Json,
    /// The equipment ledger (spreadsheet-safe CSV).
    Csv,
}

/// Arguments of `wardwatch assets`.
#[derive(Args, Debug)]
pub struct AssetsArgs {
    /// Config file whose detector settings name the inventory file.
    #[arg(long, short = 'c', value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Inventory file to read (default: `[new-device] inventory_file` of
    /// the detector settings).
    #[arg(long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: AssetsFormat,
}

/// Why `wardwatch assets` could not print the inventory.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    /// The config did not load.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// No inventory file is configured.
    #[error(
        "no inventory file: set `inventory_file` in the [new-device] section of the detector settings ([detectors] file), or pass --inventory PATH"
    )]
    NoInventory,
    /// The inventory did not load.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// Runs `wardwatch assets`.
pub fn run(args: &AssetsArgs) -> Result<ExitCode, AssetsError> {
    let path = match &args.inventory {
        Some(p) => p.clone(),
        None => {
            let config = Config::load(args.config.as_deref())?;
            let d = config.detectors.unwrap_or_else(DetectorsConfig::builtin);
            let p = d
                .new_device
                .inventory_file
                .clone()
                .ok_or(AssetsError::NoInventory)?;
            d.resolve(&p)
        }
    };
    let inv = Inventory::load(&path)?;
    let text = match args.format {
        AssetsFormat::Json => {
            let mut t = serde_json::to_string_pretty(&inv.to_json()).unwrap_or_default();
            t.push('\n');
            t
        }
        AssetsFormat::Csv => inv.to_csv(),
        AssetsFormat::Table => table(&inv),
    };
    // A closed stdout (`| head`) is not an error worth a panic.
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The inventory as aligned columns, newest first seen last.
pub fn table(inv: &Inventory) -> String {
    let header = [
        "MAC",
        "VENDOR",
        "IP",
        "HOSTNAME",
        "FIRST SEEN",
        "LAST SEEN",
        "SERVICES",
    ];
    let mut rows: Vec<[String; 7]> = Vec::new();
    for d in inv.devices() {
        let ips: Vec<String> = d.ips.iter().map(|i| i.to_string()).collect();
        rows.push([
            d.mac.clone().unwrap_or_else(|| "-".into()),
            d.vendor.clone().unwrap_or_else(|| "-".into()),
            or_dash(ips.join(" ")),
            or_dash(d.hostnames.join(" ")),
            day_time(d.first_seen_us),
            day_time(d.last_seen_us),
            or_dash(d.services.join(" ")),
        ]);
    }
    let mut width = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(width[i] - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    for r in &rows {
        out.push_str(&line(r));
    }
    out.push_str(&format!("{} devices\n", rows.len()));
    out
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}

/// `2024-04-01 09:30:00` (UTC).
fn day_time(us: u64) -> String {
    let t = Timestamp::from_secs(us / 1_000_000).rfc3339();
    t.get(..19).map(|s| s.replace('T', " ")).unwrap_or(t)
}
