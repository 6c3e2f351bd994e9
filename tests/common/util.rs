//! Small test utilities: a seeded shuffle (no extra crates), EVE JSON-lines
//! readers, and finding the Debian programs some tests drive.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// SplitMix64: a tiny, good-enough PRNG so shuffles are the same on every run.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`bound` > 0; modulo bias is irrelevant for tests).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// `n` pseudo-random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Fisher-Yates shuffle driven by [`SplitMix64`]`(seed)`: the same seed gives the same order.
pub fn shuffle_with_seed<T>(items: &mut [T], seed: u64) {
    let mut rng = SplitMix64(seed);
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
}

/// Parses an EVE JSON-lines file (blank lines skipped); panics naming the file and line of a bad line.
pub fn read_eve(path: impl AsRef<Path>) -> Vec<Value> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read EVE file {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!(
                    "{}:{}: not a JSON object line: {e}\n  line: {line}",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// The events whose `event_type` is `event_type` (e.g. "flow", "alert"), in file order.
pub fn events_of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e.get("event_type").and_then(Value::as_str) == Some(event_type))
        .collect()
}

/// The installed program `name` (of Debian package `package`), looked up in
/// the usual directories. When it is missing, `test` is skipped with a loud
/// note, or fails when `WARDWATCH_REQUIRE_ROOT_TESTS` is set (as in CI).
pub fn debian_program(name: &str, package: &str, test: &str) -> Option<PathBuf> {
    let found = ["/usr/sbin", "/usr/bin", "/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists());
    if found.is_none() {
        if std::env::var_os("WARDWATCH_REQUIRE_ROOT_TESTS").is_some() {
            panic!(
                "{test}: {name} is not installed (apt-get install {package}) and \
                 WARDWATCH_REQUIRE_ROOT_TESTS is set"
            );
        }
        eprintln!("\n*** SKIPPED {test}: {name} not installed (apt-get install {package}) ***\n");
    }
    found
}
