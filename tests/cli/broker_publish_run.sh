#!/usr/bin/env bash
# The CLI contract end to end: `tickgate broker` prints BOOTSTRAP first, `tickgate publish`
# feeds it real trades, `tickgate run --until-eof` exits 0 with a summary, and kcat (a real
# Kafka client) consumes ai.analyses from the broker.
set -euo pipefail
bin="$1"
src="$2"
work=$(mktemp -d)
trap 'kill "$broker_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

exec 3< <(exec "$bin" broker --partitions 3 --bootstrap-file "$work/bootstrap")
broker_pid=$!
read -r -u 3 first_line   # blocks until the broker has printed its first line
case "$first_line" in
  "BOOTSTRAP 127.0.0.1:"*) ;;
  *) echo "unexpected first line: $first_line"; exit 1 ;;
esac
bootstrap=${first_line#BOOTSTRAP }
[ "$(cat "$work/bootstrap")" = "$bootstrap" ] || { echo "bootstrap file differs"; exit 1; }

head -n 3001 "$src/data/sample/hf_multitrade_2014-09-17.csv" > "$work/trades.csv"
"$bin" publish --csv "$work/trades.csv" --tz America/New_York --brokers "$bootstrap" | tee "$work/publish.out"
grep -q "published 3000 ticks (trades)" "$work/publish.out"

"$bin" run --brokers "$bootstrap" --data-dir "$work/data" --until-eof --group cli-test --admin 127.0.0.1:0 \
  --set 'kafka.consumer_properties={"session.timeout.ms":"6000"}' > "$work/run.out"
grep -q "== tickgate run summary ==" "$work/run.out"
grep -q "ticks  *3000" "$work/run.out"

if command -v kcat > /dev/null; then
  n=$(kcat -b "$bootstrap" -C -t ai.analyses -e -q -f '%k %s\n' | tee "$work/analyses" | wc -l)
  [ "$n" -gt 0 ] || { echo "kcat read no analyses"; exit 1; }
  grep -q '"request_id"' "$work/analyses"
  echo "kcat consumed $n analyses"
fi
echo "cli contract ok"
