#!/bin/sh
# install.sh — build shiji (pure Go, CGO_ENABLED=0) and install it.
#
#   ./install.sh                 build and install the binary into a bin directory on PATH
#   ./install.sh --bindir DIR    install into DIR
#   sudo ./install.sh --system   also create the shiji system user, /var/lib/shiji and a
#                                systemd unit (written, not started)
#
# Safe to run again: it rebuilds and replaces the binary, and leaves an existing
# user, data directory and unit alone.
set -eu
cd "$(dirname "$0")"

bindir=""
system=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bindir) [ $# -ge 2 ] || { echo "install.sh: --bindir needs a directory" >&2; exit 2; }; bindir="$2"; shift 2 ;;
    --bindir=*) bindir="${1#--bindir=}"; shift ;;
    --system) system=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

command -v go >/dev/null 2>&1 || { echo "install.sh: Go is not installed (https://go.dev/dl/)" >&2; exit 1; }
if [ "$system" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: --system needs root (run it with sudo)" >&2; exit 1
fi

on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; esac; return 1; }
if [ -z "$bindir" ]; then
  if [ "$system" = 1 ] || [ -w /usr/local/bin ]; then
    bindir=/usr/local/bin
  else
    for d in "$HOME/.local/bin" "$HOME/bin" "$(go env GOPATH)/bin"; do
      if on_path "$d"; then bindir="$d"; break; fi
    done
    [ -n "$bindir" ] || bindir="$HOME/.local/bin"
  fi
fi
mkdir -p "$bindir"

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
echo "install.sh: building shiji $version (CGO_ENABLED=0; the first build takes a minute or two)"
tmp="$bindir/.shiji.tmp.$$"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp" ./cmd/shiji
mv -f "$tmp" "$bindir/shiji"
size=$(wc -c < "$bindir/shiji")
echo "install.sh: installed $bindir/shiji ($((size / 1024 / 1024)) MB)"
on_path "$bindir" || echo "install.sh: note: $bindir is not on your PATH; run $bindir/shiji or add it to PATH"

if [ "$system" = 1 ]; then
  if ! id shiji >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/shiji --shell /usr/sbin/nologin shiji 2>/dev/null \
      || adduser --system --home /var/lib/shiji --no-create-home shiji
    echo "install.sh: created the system user shiji"
  else
    echo "install.sh: the system user shiji exists"
  fi
  mkdir -p /var/lib/shiji
  chown shiji /var/lib/shiji
  chmod 750 /var/lib/shiji
  unit=/etc/systemd/system/shiji.service
  if [ -e "$unit" ]; then
    echo "install.sh: $unit exists; leaving it as it is"
  else
    mkdir -p /etc/systemd/system
    cat > "$unit" <<UNIT
[Unit]
Description=shiji community market node
After=network-online.target
Wants=network-online.target

[Service]
User=shiji
Environment=SHIJI_DATA=/var/lib/shiji
Environment=SHIJI_ADDR=127.0.0.1:8080
# Environment=SHIJI_BASE_URL=https://market.example
# Environment=SHIJI_TRUST_PROXY=1
ExecStart=$bindir/shiji serve
Restart=on-failure
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=/var/lib/shiji

[Install]
WantedBy=multi-user.target
UNIT
    echo "install.sh: wrote $unit"
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    echo "install.sh: start it with: systemctl enable --now shiji"
  else
    echo "install.sh: systemd is not running here; the unit is written but not started"
  fi
  echo "install.sh: add the organiser with: echo 'a long passphrase' | sudo -u shiji SHIJI_DATA=/var/lib/shiji $bindir/shiji user add NAME --role organiser"
fi
