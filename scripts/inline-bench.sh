#!/usr/bin/env bash
# Inline (NFQUEUE) cost: latency added per packet and throughput through a
# Linux gateway, with and without `wardwatch run --nfqueue`.
#
#   client ns ── gateway ns (ip_forward, iptables FORWARD -j NFQUEUE) ── server ns
#
# Measures, for "forward only" and "inline (wardwatch, built-in rules)":
#   - TCP request/response round trips (64-byte echo, one connection): median
#     and 99th percentile in µs — each round trip crosses the gateway twice;
#   - bulk TCP throughput client → server (Mbit/s) for BYTES bytes.
#
# Needs root (namespaces, NFQUEUE) and python3. Usage:
#   scripts/inline-bench.sh [path/to/wardwatch]   (default: target/release/wardwatch)
# Env: ROUNDS (default 2000), BYTES (default 200000000), WORKERS (default 2).
set -euo pipefail

BIN=${1:-${CARGO_TARGET_DIR:-target}/release/wardwatch}
ROUNDS=${ROUNDS:-2000}
BYTES=${BYTES:-200000000}
WORKERS=${WORKERS:-2}
[ -x "$BIN" ] || { echo "no wardwatch binary at $BIN (cargo build --release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

TAG="wwb$$"
C="${TAG}c" G="${TAG}g" S="${TAG}s"
TMP=$(mktemp -d)
cleanup() {
  for ns in "$C" "$G" "$S"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

for ns in "$C" "$G" "$S"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "${TAG}c0" netns "$C" type veth peer name "${TAG}g0" netns "$G"
ip link add "${TAG}s0" netns "$S" type veth peer name "${TAG}g1" netns "$G"
ip -n "$C" addr add 10.82.1.2/24 dev "${TAG}c0"; ip -n "$C" link set "${TAG}c0" up
ip -n "$G" addr add 10.82.1.1/24 dev "${TAG}g0"; ip -n "$G" link set "${TAG}g0" up
ip -n "$G" addr add 10.82.2.1/24 dev "${TAG}g1"; ip -n "$G" link set "${TAG}g1" up
ip -n "$S" addr add 10.82.2.2/24 dev "${TAG}s0"; ip -n "$S" link set "${TAG}s0" up
ip -n "$C" route add default via 10.82.1.1
ip -n "$S" route add default via 10.82.2.1
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1

# Server: port 7 echoes (round trips), port 9 sinks and acknowledges bulk data.
cat > "$TMP/server.py" <<'EOF'
import socket, threading
def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(64)
        if not d: break
        c.sendall(d)
def sink(c):
    n = 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        n += len(d)
    c.sendall(str(n).encode())
    c.close()
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port)); s.listen(8)
    while True:
        c, _ = s.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
threading.Thread(target=serve, args=(7, echo), daemon=True).start()
serve(9, sink)
EOF
cat > "$TMP/client.py" <<'EOF'
import socket, sys, time
rounds, nbytes = int(sys.argv[1]), int(sys.argv[2])
c = socket.create_connection(('10.82.2.2', 7))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg = b'x' * 64
rtts = []
for _ in range(rounds):
    t = time.perf_counter()
    c.sendall(msg)
    got = 0
    while got < 64: got += len(c.recv(64))
    rtts.append((time.perf_counter() - t) * 1e6)
c.close()
rtts.sort()
med, p99 = rtts[len(rtts) // 2], rtts[int(len(rtts) * 0.99)]
b = socket.create_connection(('10.82.2.2', 9))
chunk = b'y' * (256 * 1024)
t = time.perf_counter(); sent = 0
while sent < nbytes:
    b.sendall(chunk); sent += len(chunk)
b.shutdown(socket.SHUT_WR)
ack = int(b.recv(64))
dt = time.perf_counter() - t
assert ack == sent, (ack, sent)
print(f"rtt_median_us={med:.0f} rtt_p99_us={p99:.0f} throughput_mbit={sent * 8 / dt / 1e6:.0f}")
EOF
ip netns exec "$S" python3 "$TMP/server.py" &
disown
sleep 0.5

run_client() { ip netns exec "$C" python3 "$TMP/client.py" "$ROUNDS" "$BYTES"; }

echo "forward only:          $(run_client)"

ip netns exec "$G" iptables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass
printf '[stats]\ninterval = 0\n' > "$TMP/ww.toml"
ip netns exec "$G" "$BIN" run --nfqueue 0 --workers "$WORKERS" --config "$TMP/ww.toml" \
  --eve "$TMP/eve.json" 2> "$TMP/ww.log" &
WW=$!
for _ in $(seq 100); do
  grep -q '^ *0 ' <(ip netns exec "$G" cat /proc/net/netfilter/nfnetlink_queue) && break
  sleep 0.1
done
echo "inline ($WORKERS workers):    $(run_client)"
kill -TERM "$WW"; wait "$WW" || true
# The last stats event: every packet got a verdict, none bypassed.
python3 - "$TMP/eve.json" <<'EOF'
import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if '"stats"' in l][-1]["stats"]
i = last.get("inline", {})
print("verdicts: accepted=%s dropped=%s bypassed=%s, decoder.pkts=%s, kernel drops=%s" % (
    i.get("accepted"), i.get("dropped"), i.get("bypassed"),
    last["decoder"]["pkts"], last["capture"]["kernel_drops"]))
EOF
