#!/bin/sh
# rss.sh — idle and peak resident memory of `shiji serve` (issue 14).
#
#   scripts/rss.sh [ITEMS] [SECONDS]
#
# Builds shiji as install.sh does, makes a demo market of 1,000 stalls and
# ITEMS items (default 10000, seed 7; kept in $SHIJI_BENCH_DATA/ITEMS when that
# is set, as BenchmarkMarketPages keeps them), serves it on loopback and prints
# the idle RSS 35 s after start-up; asks for each kind of page once, waits 5 s
# and prints the RSS again (warm); then runs wrk on
# item, stall, stroll and search pages at once (16 connections each, 64 in all)
# for SECONDS (default 10) and prints the peak RSS (VmHWM); then, after 50 s
# without visitors (the node gives memory back after 40 s idle), the idle RSS
# again. Then the same page load and, at the same time, a flood of signed
# Create(Note) activities into the inbox from 8 followed accounts on loopback
# (scripts/inboxflood: FLOOD activities, default 20000, signed before it
# starts) and a fan-out (stall 500 has 1,000 followers on those servers, each
# with an inbox of its own; one of its items changes every 2 s), and prints
# the peak RSS of that phase alone. Needs wrk and curl.
# SHIJI_BIN=FILE measures that binary instead of building one.
set -eu
cd "$(dirname "$0")/.."
items="${1:-10000}"
secs="${2:-10}"
command -v wrk >/dev/null 2>&1 || { echo "rss.sh: needs wrk" >&2; exit 1; }
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if [ -n "${SHIJI_BIN:-}" ]; then
  cp "$SHIJI_BIN" "$tmp/shiji"
else
  CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/shiji" ./cmd/shiji
fi
go build -o "$tmp/inboxflood" ./scripts/inboxflood
flood="${FLOOD:-20000}"
data="$tmp/data"
if [ -n "${SHIJI_BENCH_DATA:-}" ]; then data="$SHIJI_BENCH_DATA/$items"; fi
if [ ! -f "$data/shiji.db" ]; then
  mkdir -p "$data"
  "$tmp/shiji" demo --data "$data" --stalls 1000 --items "$items" --seed 7 >/dev/null 2>&1
fi
# The flood writes notes and follows: the node serves a copy of the market.
cp -r "$data" "$tmp/run"
data="$tmp/run"
port=$(( 20000 + $$ % 20000 ))
base="http://127.0.0.1:$port"
"$tmp/shiji" serve --addr "127.0.0.1:$port" --data "$data" --allow-private-networks \
  --limits inbox=100000/10us >"$tmp/serve.log" 2>&1 &
pid=$!
i=0
until curl -fs -o /dev/null "$base/"; do
  i=$((i + 1))
  [ "$i" -lt 600 ] || { echo "rss.sh: shiji did not answer in 60 s" >&2; tail -5 "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done
sleep 35
rss() { awk -v k="$1" '$1 == k":" {printf "%.1f MB", $2 / 1000}' "/proc/$pid/status"; }
echo "items=$items idle_rss=$(rss VmRSS) (35 s after start-up, no visitors)"
item=$(( items / 2 ))
pages="/items/$item /stalls/500 /wander?seed=7&page=3 /search?q=lamp"
for p in / $pages; do curl -fs -o /dev/null "$base$p"; done
sleep 5
echo "items=$items warm_rss=$(rss VmRSS) (5 s after one request of each page)"
# load_pages NAME: wrk on the four pages at once (16 connections each) for
# secs seconds; reqs is then the requests they made in all.
load_pages() {
  loads=""
  for p in $pages; do
    wrk -t1 -c16 -d"${secs}s" "$base$p" >"$tmp/$1.$(echo "$p" | tr -c 'a-z0-9' _)" 2>&1 &
    loads="$loads $!"
  done
  for j in $loads; do wait "$j"; done
  reqs=$(cat "$tmp/$1".* | awk '/requests in/ {n += $1} END {print n + 0}')
}
load_pages wrk
echo "items=$items peak_rss=$(rss VmHWM) after_load_rss=$(rss VmRSS) requests=$reqs (wrk, 64 connections on 4 pages, ${secs} s)"
sleep 50
echo "items=$items idle_after_load_rss=$(rss VmRSS) (50 s after the load; the caches hold pages now)"
# Pages, an inbox flood and a fan-out at once. The flood signs its activities first;
# once it sends, VmHWM is reset (clear_refs 5) and the pages' load starts,
# so that what is printed is this phase's peak.
"$tmp/inboxflood" -node "$base" -db "$data/shiji.db" -n "$flood" -seconds "$secs" \
  -fanout-stall 500 -followers 1000 -change-every 2s >"$tmp/flood.out" 2>&1 &
fpid=$!
i=0
until grep -q "signed in" "$tmp/flood.out"; do
  i=$((i + 1))
  [ "$i" -lt 3000 ] || { echo "rss.sh: inboxflood did not start" >&2; cat "$tmp/flood.out" >&2; exit 1; }
  kill -0 "$fpid" 2>/dev/null || { cat "$tmp/flood.out" >&2; exit 1; }
  sleep 0.1
done
echo 5 >"/proc/$pid/clear_refs"
load_pages wrk2
wait "$fpid" || { cat "$tmp/flood.out" >&2; exit 1; }
flooded=$(sed -n 's/^inboxflood: \(.* sent in .*\)$/\1/p' "$tmp/flood.out")
fanned=$(sed -n 's/^inboxflood: \(.* fanned out .*\)$/\1/p' "$tmp/flood.out")
echo "items=$items peak_rss_all=$(rss VmHWM) requests=$reqs inbox: $flooded; fan-out: $fanned (wrk as above, the inbox flooded and a stall's item fanned out at the same time)"
