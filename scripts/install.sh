#!/usr/bin/env bash
# Installs wardwatch as a systemd service on this machine:
#   the `wardwatch` system user, the binary, the hardened unit, an example
#   config (never overwriting yours), the shipped rules and detector settings,
#   the logrotate snippet, and the state and log folders.
#
# usage: sudo scripts/install.sh [--prefix /usr/local] [--binary PATH]
#                                [--destdir DIR] [--interface IFACE]
#   --binary PATH   install this binary instead of building one (cargo build --release)
#   --destdir DIR   stage everything under DIR (packaging, tests): no user is
#                   created, nothing is chowned, systemctl is not called
#   --interface IF  the mirror-port interface written into a new config
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=""
binary=""
iface=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --destdir) destdir="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        --interface) iface="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install: run as root (sudo scripts/install.sh), or stage with --destdir DIR" >&2
    exit 1
fi

if [ -z "$binary" ]; then
    scripts/quickstart.sh build >/dev/null
    binary=target/release/wardwatch
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 1; }

root="${destdir%/}"
etc="$root/etc/wardwatch"
say() { printf 'install: %s\n' "$*"; }

# The service user: no login, no home.
if [ -z "$destdir" ]; then
    if ! getent passwd wardwatch >/dev/null; then
        useradd --system --user-group --no-create-home --home-dir /var/lib/wardwatch \
            --shell /usr/sbin/nologin --comment "wardwatch IDS sensor" wardwatch
        say "created system user wardwatch"
    fi
fi

install -D -m 0755 "$binary" "$root$prefix/bin/wardwatch"
say "binary     $prefix/bin/wardwatch"

# The unit names the binary's path.
unit="$root/etc/systemd/system/wardwatch.service"
install -d "$(dirname "$unit")"
sed "s#/usr/bin/wardwatch#$prefix/bin/wardwatch#g; s#/usr/share/doc#$prefix/share/doc#g" \
    systemd/wardwatch.service >"$unit"
chmod 0644 "$unit"
say "unit       /etc/systemd/system/wardwatch.service"

install -d -m 0755 "$etc" "$etc/rules" "$etc/rules/indicators"
# Shipped rules and settings: reference copies, refreshed on every install.
install -m 0644 rules/hospital.rules rules/detectors.toml rules/oui.txt "$etc/rules/"
for f in rules/indicators/*.txt; do
    # Indicator lists are the hospital's own: never overwrite them.
    [ -e "$etc/rules/indicators/$(basename "$f")" ] || install -m 0644 "$f" "$etc/rules/indicators/"
done
config="$etc/wardwatch.toml"
if [ -e "$config" ]; then
    install -m 0640 systemd/wardwatch.toml "$config.new"
    say "config     /etc/wardwatch/wardwatch.toml kept; the new example is wardwatch.toml.new"
else
    if [ -n "$iface" ]; then
        sed "s#^interfaces = \[\"eth1\"\]#interfaces = [\"$iface\"]#" systemd/wardwatch.toml >"$config"
    else
        cp systemd/wardwatch.toml "$config"
    fi
    chmod 0640 "$config"
    say "config     /etc/wardwatch/wardwatch.toml (edit capture.interfaces: now $(grep -m1 '^interfaces' "$config"))"
fi

if [ -f systemd/wardwatch.logrotate ]; then
    install -D -m 0644 systemd/wardwatch.logrotate "$root/etc/logrotate.d/wardwatch"
    say "logrotate  /etc/logrotate.d/wardwatch"
fi
install -D -m 0644 README.md "$root$prefix/share/doc/wardwatch/README.md"
[ -d docs ] && cp -r docs "$root$prefix/share/doc/wardwatch/"

install -d -m 0750 "$root/var/lib/wardwatch" "$root/var/log/wardwatch"
if [ -z "$destdir" ]; then
    chown root:wardwatch "$etc" "$config"
    chown wardwatch:wardwatch /var/lib/wardwatch /var/log/wardwatch
    if "$prefix/bin/wardwatch" check --config "$config" >/dev/null; then
        say "config checks out (wardwatch check)"
    else
        say "WARNING: wardwatch check --config $config failed; fix it before starting"
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        say "next: sudo systemctl enable --now wardwatch && wardwatch status"
    else
        say "systemd is not running here; start by hand: sudo $prefix/bin/wardwatch run --config $config"
    fi
fi
say "done"
