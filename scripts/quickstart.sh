#!/usr/bin/env bash
# The two quick-start commands of the README:
#   scripts/quickstart.sh demo   build, replay the bundled capture, print what the sensor saw
#   scripts/quickstart.sh test   run the whole test suite
#   scripts/quickstart.sh build  (used by scripts/install.sh) build the release binary
# Both install the Debian packages they need when run as root, or print the
# exact command to run when not.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "quickstart: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "quickstart: missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

if ! command -v cargo >/dev/null; then
    echo "quickstart: no cargo on PATH (under sudo, ~/.cargo/bin is usually dropped: use a root shell). Install Rust with:" >&2
    echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y && . ~/.cargo/env" >&2
    exit 1
fi

case "${1:-}" in
demo)
    need_pkgs libpcap-dev pkg-config
    cargo build --release --quiet
    eve=$(mktemp -d)/eve.json
    ./target/release/wardwatch replay --eve "$eve" demo/hospital-demo.pcap
    echo
    echo "alerts:"
    grep '"event_type":"alert"' "$eve" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line); a = e["alert"]; n += 1
    print("  [%d:%d] %s\n      %s:%s -> %s:%s (%s, severity %d)" % (a["gid"], a["signature_id"], a["signature"],
          e["src_ip"], e.get("src_port", "-"), e["dest_ip"], e.get("dest_port", "-"), e.get("app_proto", e["proto"]), a["severity"]))
if n == 0:
    print("  (none)")'
    echo "flows:"
    grep '"event_type":"flow"' "$eve" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line); f = e["flow"]
    print("  %-9s %-5s %s:%s -> %s:%s  %d/%d pkts  %s (%s)%s" % (e["proto"], e.get("app_proto", ""), e["src_ip"], e.get("src_port", "-"),
          e["dest_ip"], e.get("dest_port", "-"), f["pkts_toserver"], f["pkts_toclient"], f["state"], f["reason"],
          "  ALERTED" if f["alerted"] else ""))'
    echo "EVE file: $eve"
    ;;
build)
    need_pkgs libpcap-dev pkg-config
    cargo build --release --quiet
    ;;
test)
    need_pkgs libpcap-dev pkg-config iproute2 tcpdump python3 rsyslog redis-server systemd logrotate iptables nftables tcpreplay
    cargo test --all-targets --quiet
    cargo test --doc --quiet
    ;;
*)
    echo "usage: $0 demo|test|build" >&2
    exit 2
    ;;
esac
