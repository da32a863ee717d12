#!/usr/bin/env bash
# make demo: build mm7harness, start the reference receiver on a SQLite file
# in a temporary folder, certify it in every flavour, certify the reference
# MT client (its delivery reports go to the same receiver), print the
# summaries and where the reports are, stop everything.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/mm7harness-demo.XXXXXX")
bin="$work/mm7harness"
echo "building mm7harness ..."
go build -o "$bin" ./cmd/mm7harness

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18089)
"$bin" serve --addr "127.0.0.1:$port" --db "$work/mm7.db" --read-timeout 2s --log text >"$work/receiver.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "reference receiver on http://127.0.0.1:$port/mm7 (store $work/mm7.db)"

status=0
for v in $("$bin" flavours --names); do
  echo
  echo "=== certifying MM7 $v ==="
  "$bin" certify --endpoint "http://127.0.0.1:$port/mm7" --flavour "$v" \
    --report-dir "$work/report-$v" 2>"$work/certify-$v.log" || status=$?
done
for v in $("$bin" flavours --names); do
  echo
  echo "=== certifying the reference MT client, MM7 $v ==="
  "$bin" certify-client --flavour "$v" --report-dir "$work/client-report-$v" --hold 10s \
    -- "$bin" submit --dlr-url "http://127.0.0.1:$port/mm7" --retry-interval 1s --timeout 5s \
    2>"$work/certify-client-$v.log" || status=$?
done
echo
echo "reports: $work/report-<flavour>/report.html, $work/client-report-<flavour>/report.html"
echo "receiver log: $work/receiver.log"
exit $status
