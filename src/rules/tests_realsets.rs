//! Loads real rule sets kept outside the repository (ET Open, the
//! conformance cases' rules) and prints what loads, what is skipped and why.
//! Ignored by default; run with
//! `cargo test --release --lib rules::tests_realsets -- --ignored --nocapture`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{CheckSummary, Classifications, LoadReport, Vars, load_rules};

fn shared_dir(rel: &str) -> Option<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join(rel),
        Path::new("/work/shared").join(rel),
    ];
    candidates.into_iter().find(|p| p.is_dir())
}

fn print_report(name: &str, r: &LoadReport, secs: f64) {
    let total = r.total();
    let pct = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    println!(
        "== {name}: {total} rules in {} files, loaded in {secs:.3} s",
        r.files.len()
    );
    println!("loaded  {:>6} ({:.1}%)", r.rules.len(), pct(r.rules.len()));
    println!(
        "failed  {:>6} ({:.1}%)",
        r.failed.len(),
        pct(r.failed.len())
    );
    println!(
        "skipped {:>6} ({:.1}%)",
        r.skipped.len(),
        pct(r.skipped.len())
    );
    println!("disabled (commented out) {}", r.disabled);
    println!("top skip reasons by keyword:");
    for (k, n) in r.skipped_by_keyword().iter().take(25) {
        println!("  {k:<28} {n:>6}");
    }
    let mut msgs: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in &r.skipped {
        *msgs.entry(p.message.as_str()).or_default() += 1;
    }
    let mut msgs: Vec<_> = msgs.into_iter().collect();
    msgs.sort_by_key(|m| std::cmp::Reverse(m.1));
    println!("top skip messages:");
    for (m, n) in msgs.iter().take(25) {
        println!("  {n:>6}  {m}");
    }
    println!("failures:");
    for p in r.failed.iter().take(60) {
        println!("  {p}");
    }
}

#[test]
#[ignore = "needs ../shared/rulesets; run with --ignored --nocapture"]
fn et_open_loads() {
    let Some(dir) = shared_dir("rulesets/et-open-2024-04") else {
        println!("ET Open rule set not found; skipping");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("rule set directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .collect();
    files.sort();
    let classes = Classifications::load(&dir.join("classification.config"))
        .expect("ET classification.config parses");
    let vars = Vars::new();
    let start = Instant::now();
    let report = load_rules(&files, &vars, &classes);
    let secs = start.elapsed().as_secs_f64();
    print_report("ET Open 2024-04", &report, secs);
    assert_eq!(report.total(), 24_827);
    assert!(
        report.rules.len() * 10 >= report.total() * 9,
        "fewer than 90% of ET Open's rules loaded"
    );
    // What `rules check` prints after the per-rule lines.
    let summary = CheckSummary { report };
    let text = summary.render();
    let tail = text
        .find("\nSkipped rules by keyword:")
        .map_or(text.as_str(), |i| &text[i..]);
    println!("rules check summary:{tail}");
}

#[test]
#[ignore = "needs ../shared/conformance; run with --ignored --nocapture"]
fn conformance_rules_load() {
    let Some(dir) = shared_dir("conformance/tests") else {
        println!("conformance cases not found; skipping");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path().join("test.rules")))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // Each case is loaded on its own, as the runner does (sids repeat
    // across cases).
    let start = Instant::now();
    let (vars, classes) = (Vars::new(), Classifications::builtin());
    let mut all = LoadReport::default();
    for f in &files {
        let r = load_rules(std::slice::from_ref(f), &vars, &classes);
        all.rules.extend(r.rules);
        all.failed.extend(r.failed);
        all.skipped.extend(r.skipped);
        all.files.extend(r.files);
    }
    print_report("conformance rules", &all, start.elapsed().as_secs_f64());
}
