#!/usr/bin/env bash
# Soak test: `wardwatch run` captures on a veth in a network namespace while
# tcpreplay loops a capture through it; every INTERVAL seconds it prints the
# sensor's RSS, packets, kernel and queue drops and alerts (from /metrics),
# and SIGHUPs the sensor every RELOAD seconds (0 = never). Ends with SIGTERM
# and the exit code.
#
# usage: sudo scripts/soak.sh [--duration 600] [--pcap FILE] [--mbps 50]
#                             [--interval 30] [--reload 120] [--workers 2]
# Needs root, iproute2 and tcpreplay (apt-get install -y tcpreplay).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=600
pcap=demo/hospital-demo.pcap
mbps=50
interval=30
reload=120
workers=2
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --pcap) pcap="$2"; shift 2 ;;
        --mbps) mbps="$2"; shift 2 ;;
        --interval) interval="$2"; shift 2 ;;
        --reload) reload="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "soak: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root (network namespaces)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "soak: apt-get install -y tcpreplay" >&2; exit 1; }

scripts/quickstart.sh build
bin=$PWD/target/release/wardwatch
work=$(mktemp -d)
case "$pcap" in
*.pcapng)
    # tcpreplay (and libpcap) refuse pcapng files whose interfaces differ in
    # snap length or link type: keep the Ethernet packets as classic pcap.
    python3 - "$pcap" "$work/replay.pcap" <<'PY'
import struct, sys
src, dst = open(sys.argv[1], "rb").read(), open(sys.argv[2], "wb")
dst.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
off, bo, links, n = 0, "<", [], 0
while off + 12 <= len(src):
    btype, blen = struct.unpack_from(bo + "II", src, off)
    if btype == 0x0A0D0D0A:
        bo = "<" if src[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack_from(bo + "I", src, off + 4)[0]
        links = []
    elif btype == 1:
        links.append(struct.unpack_from(bo + "H", src, off + 8)[0])
    elif btype == 6:
        iface, hi, lo, cap, orig = struct.unpack_from(bo + "IIIII", src, off + 8)
        if iface < len(links) and links[iface] == 1:
            ts = (hi << 32) | lo
            dst.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, cap, orig))
            dst.write(src[off + 28:off + 28 + cap]); n += 1
    if blen < 12:
        break
    off += blen
print("soak: %d Ethernet packets from %s" % (n, sys.argv[1]), file=sys.stderr)
PY
    pcap="$work/replay.pcap" ;;
esac
tag="ws$$"
nsa="${tag}a"; nsb="${tag}b"; ifa="${tag}va"; ifb="${tag}vb"
cleanup() {
    [ -n "${sensor:-}" ] && kill -TERM "$sensor" 2>/dev/null || true
    [ -n "${replay:-}" ] && kill "$replay" 2>/dev/null || true
    ip netns del "$nsa" 2>/dev/null || true
    ip netns del "$nsb" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$nsa"; ip netns add "$nsb"
ip link add "$ifa" netns "$nsa" mtu 9000 type veth peer name "$ifb" netns "$nsb" mtu 9000
ip -n "$nsa" link set "$ifa" up; ip -n "$nsb" link set "$ifb" up; ip -n "$nsb" link set lo up

cat >"$work/wardwatch.toml" <<EOF
[capture]
interfaces = ["$ifb"]
workers = $workers
buffer_size = "64 MiB"
[stats]
interval = 30
[metrics]
listen = "127.0.0.1:9187"
[outputs.eve]
path = "$work/eve.json"
EOF
ip netns exec "$nsb" "$bin" run --config "$work/wardwatch.toml" 2>"$work/sensor.log" &
sensor=$!
sleep 2
ip netns exec "$nsa" tcpreplay --quiet --loop=0 --mbps="$mbps" --intf1="$ifa" "$pcap" >/dev/null 2>&1 &
replay=$!

metric() { grep -E "^wardwatch_$1( |\{)" "$work/metrics" | awk '{print $NF}' | head -1; }
printf '%8s %10s %12s %12s %12s %10s %8s\n' elapsed rss_kib packets kernel_drops queue_drops alerts reloads
start=$(date +%s); next_reload=$((start + reload))
while :; do
    sleep "$interval"
    now=$(date +%s); el=$((now - start))
    if [ "$reload" -gt 0 ] && [ "$now" -ge "$next_reload" ]; then
        kill -HUP "$sensor"; next_reload=$((now + reload))
    fi
    ip netns exec "$nsb" curl -s http://127.0.0.1:9187/metrics >"$work/metrics" 2>/dev/null ||
        ip netns exec "$nsb" python3 -c 'import urllib.request;print(urllib.request.urlopen("http://127.0.0.1:9187/metrics").read().decode())' >"$work/metrics"
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$sensor/status")
    printf '%8s %10s %12s %12s %12s %10s %8s\n' "$el" "$rss" "$(metric decoder_pkts)" \
        "$(metric capture_kernel_drops)" "$(metric capture_queue_drops)" "$(metric detect_alert)" \
        "$(metric detect_engines_reloads)"
    [ "$el" -ge "$duration" ] && break
done
kill "$replay" 2>/dev/null || true; replay=""
kill -TERM "$sensor"; wait "$sensor"; rc=$?; sensor=""
echo "sensor exit code: $rc"
grep -E "stopped|ERROR|WARN" "$work/sensor.log" | tail -5 || true
rm -rf "$work"
