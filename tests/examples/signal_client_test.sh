#!/usr/bin/env bash
# The Python example end to end, as a quant team would run it: `tickgate broker`, real trades
# from `tickgate publish`, a live `tickgate run`, then examples/signal_client.py (Debian's
# confluent-kafka, a client tickgate did not write) publishes a strategy signal and must read
# back its analysis and its ledger record, then asks an agent on ai.requests and must read its
# answer; the run then stops on SIGTERM and exits 0.
set -euo pipefail
bin="$1"
src="$2"
python="${3:-/usr/bin/python3}"
work=$(mktemp -d)
run_pid=""
trap 'kill "$broker_pid" $run_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

exec 3< <(exec "$bin" broker --partitions 3)
broker_pid=$!
read -r -u 3 first_line
bootstrap=${first_line#BOOTSTRAP }

head -n 3001 "$src/data/sample/hf_multitrade_2014-09-17.csv" > "$work/trades.csv"
"$bin" publish --csv "$work/trades.csv" --tz America/New_York --brokers "$bootstrap" > /dev/null

"$bin" run --brokers "$bootstrap" --data-dir "$work/data" --group example --admin 127.0.0.1:0 \
  --set 'kafka.consumer_properties={"session.timeout.ms":"6000"}' > "$work/run.out" 2>&1 &
run_pid=$!

# 13:35 New York on the session's day: AAA has traded before and after it.
"$python" "$src/examples/signal_client.py" --brokers "$bootstrap" --symbol AAA --ts 1410960900000 \
  --text "breakout above the opening range" --value 0.8 --timeout 120 | tee "$work/client.out"

grep -q '"published"' "$work/client.out"
grep '"analysis"' "$work/client.out" | grep -q '"event": "strategy_signal"'
grep '"analysis"' "$work/client.out" | grep -q '"detail": "breakout above the opening range"'
grep -q '"cost"' "$work/client.out"

# An analysis on demand: the answer carries the client's correlation id and its ledger record.
"$python" "$src/examples/signal_client.py" --brokers "$bootstrap" --symbol BBB --ts 1410961000000 \
  --ask market_regime --text "is the trend intact?" --max-age 0 --timeout 120 | tee "$work/ask.out"
grep '"analysis"' "$work/ask.out" | grep -q '"event": "on_demand"'
grep '"analysis"' "$work/ask.out" | grep -q '"correlation_id": "client-'
grep -q '"cost"' "$work/ask.out"

kill -TERM "$run_pid"
wait "$run_pid" || { echo "tickgate run did not exit 0 on SIGTERM"; tail -20 "$work/run.out"; exit 1; }
run_pid=""
echo "python example ok"
