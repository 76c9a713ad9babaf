#!/usr/bin/env bash
# A replay against a broker nobody answers at: one line, exit 1, within the connect timeout
# (was: ten minutes of raw librdkafka retries, then exit 0 with zero ticks).
set -u
bin="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start=$(date +%s)
"$bin" run --brokers 127.0.0.1:1 --until-eof --data-dir "$dir/run" --admin 127.0.0.1:0 \
  --set kafka.connect_timeout_s=2 >"$dir/out" 2>"$dir/err"
rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" -eq 1 ] || fail "run: exit $rc, want 1"
[ "$took" -le 15 ] || fail "run: took ${took}s"
grep -q "^tickgate: run: kafka: no broker reachable at 127.0.0.1:1 within 2 s" "$dir/err" || fail "run: $(tail -1 "$dir/err")"
grep -q '%3|' "$dir/err" && fail "run: raw librdkafka log lines on stderr"

start=$(date +%s)
"$bin" publish --brokers 127.0.0.1:1 --csv "$2/data/sample/hf_multitrade_2014-09-17.csv" \
  --tz America/New_York --connect-timeout 2 >"$dir/out" 2>"$dir/err"
rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" -eq 1 ] || fail "publish: exit $rc, want 1"
[ "$took" -le 15 ] || fail "publish: took ${took}s"
grep -q "^tickgate: publish: kafka: no broker reachable" "$dir/err" || fail "publish: $(tail -1 "$dir/err")"

# A second run on a data dir in use is refused before it touches the running one's files.
mkdir -p "$dir/busy"
"$bin" run --data-dir "$dir/busy" --admin 127.0.0.1:0 >"$dir/first.out" 2>&1 &
first=$!
for _ in $(seq 1 100); do [ -s "$dir/busy/bootstrap" ] && break; sleep 0.1; done
[ -s "$dir/busy/bootstrap" ] || { kill $first; fail "first run did not start"; }
before=$(cat "$dir/busy/bootstrap")
"$bin" run --data-dir "$dir/busy" --admin 127.0.0.1:0 --until-eof >"$dir/out" 2>"$dir/err"
rc=$?
after=$(cat "$dir/busy/bootstrap")
kill -TERM $first; wait $first
[ "$rc" -eq 2 ] || fail "second run on a busy data dir: exit $rc, want 2"
[ "$before" = "$after" ] || fail "second run overwrote the running instance's bootstrap file"
echo "unreachable broker and busy data dir: ok"
