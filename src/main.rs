//! The `wardwatch` command: parse the command line, call into the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use wardwatch::config::Config;
use wardwatch::pipeline;

/// wardwatch: an IDS/IPS sensor for hospital networks.
#[derive(Parser)]
#[command(version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay pcap/pcapng files through the sensor and write EVE JSON.
    Replay(ReplayArgs),
    /// Run the sensor on live interfaces (mirror ports) until SIGINT/SIGTERM.
    Run(RunArgs),
    /// Rule files: check them.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Summarise the alerts of an EVE file as incidents (what, when, which
    /// hosts, how many, first steps), in Japanese or English.
    Report(wardwatch::report::ReportArgs),
    /// The passive device inventory (new-device detector): a table, or the
    /// equipment ledger as CSV, or JSON.
    Assets(wardwatch::assets::AssetsArgs),
    /// Validate a configuration and the rules it names, as `run` would load
    /// them (the service's ExecStartPre); exit 1 on any error.
    Check(CheckArgs),
    /// Ask a running sensor how it is (reads its metrics endpoint):
    /// packets, drops, alerts, rule set, outputs, sensor health.
    Status(StatusArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// Config file (TOML); without it the built-in defaults are checked.
    #[arg(long, short = 'c', value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct StatusArgs {
    /// Config file whose `metrics.listen` names the endpoint.
    #[arg(long, short = 'c', value_name = "PATH")]
    config: Option<PathBuf>,
    /// The endpoint (overrides the config), e.g. http://127.0.0.1:9187/metrics.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Parse and compile rule files; print every problem as `file:line: message`
    /// and a table of skipped rules by keyword; exit 1 if any rule failed.
    Check {
        /// Config file whose [vars] and classification file apply.
        #[arg(long, short = 'c', value_name = "PATH")]
        config: Option<PathBuf>,
        /// Rule files.
        #[arg(value_name = "PATH", required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Config file (TOML); without it the built-in defaults apply.
    #[arg(long, short = 'c', value_name = "PATH")]
    config: Option<PathBuf>,
    /// EVE JSON output file (overrides outputs.eve.path).
    #[arg(long, value_name = "PATH")]
    eve: Option<PathBuf>,
    /// Worker threads (overrides capture.workers; default one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: Option<u16>,
    /// Seconds to wait at the end for syslog/portal to deliver what they hold
    /// (overrides outputs.drain_timeout; default 10). Undelivered portal
    /// alerts stay in the spool for the next start.
    #[arg(long, value_name = "SECS")]
    drain_timeout: Option<f64>,
}

#[derive(Args)]
struct ReplayArgs {
    #[command(flatten)]
    common: Common,
    /// Rule files replacing the built-in rules (repeatable).
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Capture files, read in the order given.
    #[arg(value_name = "PCAP", required = true)]
    pcaps: Vec<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    common: Common,
    /// Interface to capture on (repeatable; overrides capture.interfaces).
    #[arg(long, short = 'i', value_name = "IFACE")]
    interface: Vec<String>,
    /// Inline (IPS) mode: NFQUEUE number to read and give verdicts for
    /// (repeatable; overrides capture.nfqueue and capture.interfaces).
    #[arg(long, value_name = "N", conflicts_with = "interface")]
    nfqueue: Vec<u16>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Replay(_) => "warn",
        Command::Run(_) => "info",
        Command::Rules(_) => "warn",
        Command::Report(_) | Command::Assets(_) | Command::Check(_) | Command::Status(_) => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARDWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No colour codes in the journal or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        Command::Replay(args) => replay(args),
        Command::Run(args) => run(args),
        Command::Rules(RulesCommand::Check { config, files }) => rules_check(config, files),
        Command::Report(args) => wardwatch::report::run(&args).map_err(anyhow::Error::from),
        Command::Assets(args) => wardwatch::assets::run(&args).map_err(anyhow::Error::from),
        Command::Check(args) => check(args),
        Command::Status(args) => status(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wardwatch: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(common: &Common) -> anyhow::Result<Config> {
    let mut config = Config::load(common.config.as_deref())?;
    if let Some(eve) = &common.eve {
        config.eve_path = Some(eve.clone());
    }
    if let Some(n) = common.workers {
        config.workers = usize::from(n);
    }
    if let Some(secs) = common.drain_timeout {
        anyhow::ensure!(
            secs.is_finite() && (0.0..=3600.0).contains(&secs),
            "--drain-timeout {secs}: use 0-3600 seconds"
        );
        config.drain_timeout = std::time::Duration::from_secs_f64(secs);
    }
    Ok(config)
}

fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let mut config = load_config(&args.common)?;
    if !args.rules.is_empty() {
        // --rules replaces the configured (or built-in) rules.
        config.rule_files = args
            .rules
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
    }
    let summary = pipeline::replay(&config, &args.pcaps, None)?;
    for w in &summary.warnings {
        eprintln!("wardwatch: warning: {w}");
    }
    // A closed stdout (`| head`) must not turn a finished replay into a panic.
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", summary.render());
    if let Some(p) = &config.eve_path {
        let _ = writeln!(
            out,
            "eve:     {} ({} events)",
            p.display(),
            summary.eve_written
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let live_config = move |common: &Common| -> anyhow::Result<Config> {
        let mut config = load_config(common)?;
        if !args.interface.is_empty() {
            config.interfaces = args.interface.clone();
            config.nfqueue.clear();
        }
        if !args.nfqueue.is_empty() {
            config.nfqueue = args.nfqueue.clone();
            config.interfaces.clear();
        }
        Ok(config)
    };
    let config = live_config(&args.common)?;
    let shutdown = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&shutdown))
            .context("cannot install signal handlers")?;
    }
    let reload = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&reload))
        .context("cannot install the SIGHUP handler")?;
    let common = args.common.clone();
    let control = pipeline::LiveControl {
        shutdown,
        reload,
        reconfigure: Box::new(move || live_config(&common).map_err(|e| format!("{e:#}"))),
        notifier: wardwatch::daemon::notify::Notifier::from_env(),
    };
    tracing::info!(
        interfaces = ?config.interfaces,
        workers = config.workers,
        version = env!("CARGO_PKG_VERSION"),
        "wardwatch starting"
    );
    let summary = pipeline::run_live(&config, control, None)?;
    for w in &summary.warnings {
        tracing::warn!("{w}");
    }
    tracing::info!(
        packets = summary.packets(),
        flows = summary.stats.get("flow.total"),
        kernel_drops = summary.stats.get("capture.kernel_drops"),
        queue_drops = summary.stats.get("capture.queue_drops"),
        alerts = summary.stats.get("detect.alert"),
        "wardwatch stopped"
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args.config.as_deref())?;
    let rules = wardwatch::signatures::load(&config)?;
    let mut out = std::io::stdout().lock();
    for m in &rules.failed_messages {
        let _ = writeln!(out, "{m}");
    }
    let _ = writeln!(
        out,
        "config ok; rules: {} loaded, {} skipped, {} failed (fingerprint {}, {:.2} s)",
        rules.loaded,
        rules.skipped,
        rules.failed,
        rules.fingerprint,
        rules.load_time.as_secs_f64()
    );
    if config.interfaces.is_empty() && config.nfqueue.is_empty() {
        let _ = writeln!(
            out,
            "note: capture.interfaces and capture.nfqueue are empty; `wardwatch run` needs one (or --interface / --nfqueue)"
        );
    }
    Ok(if rules.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let url = match args.url {
        Some(u) => u,
        None => {
            let config = Config::load(args.config.as_deref())?;
            let addr = config.metrics_listen.ok_or_else(|| {
                anyhow::anyhow!(
                    "metrics.listen is not set in the config; set it (e.g. \"127.0.0.1:9187\") and restart the sensor, or pass --url"
                )
            })?;
            format!("http://{addr}/metrics")
        }
    };
    let text = ureq::get(&url)
        .call()
        .with_context(|| format!("cannot reach the sensor at {url} (is `wardwatch run` running?)"))?
        .body_mut()
        .read_to_string()
        .with_context(|| format!("cannot read {url}"))?;
    let report = wardwatch::daemon::metrics::status_report(&text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", report.text);
    Ok(if report.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn rules_check(config: Option<PathBuf>, files: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let config = Config::load(config.as_deref())?;
    let (vars, classes) = wardwatch::signatures::vars_and_classes(&config)?;
    let started = std::time::Instant::now();
    let summary = wardwatch::rules::check_files_with(&files, &vars, &classes);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", summary.render());
    let _ = writeln!(out, "checked in {:.2} s", started.elapsed().as_secs_f64());
    Ok(if summary.has_failures() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
