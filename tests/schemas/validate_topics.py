#!/usr/bin/python3
"""Every record tickgate writes validates against its published schema (schemas/v1), and so do
the README's examples. A real run over the Kafka protocol: `tickgate broker`, real trades
published with `tickgate publish`, hostile records produced with confluent-kafka (a client
tickgate did not write), `tickgate run --until-eof`, then every output topic read back with
confluent-kafka and validated.

    validate_topics.py TICKGATE_BINARY SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
from confluent_kafka import Consumer, KafkaError, Producer

BIN, SRC = sys.argv[1], sys.argv[2]
SCHEMAS = os.path.join(SRC, "schemas", "v1")


def validator(name):
    with open(os.path.join(SCHEMAS, name + ".schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(v, doc, what):
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        raise SystemExit(f"{what} does not validate: {errors[0].message} at {list(errors[0].path)}\n{doc}")


def read_all(bootstrap, topic):
    """Every record of `topic`, from the beginning to the end of each partition."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "schema-check-" + topic,
                  "auto.offset.reset": "earliest", "enable.partition.eof": True,
                  "enable.auto.commit": False})
    md = c.list_topics(topic, timeout=10)
    parts = len(md.topics[topic].partitions) if topic in md.topics and md.topics[topic].error is None else 0
    out, eof = [], set()
    if parts == 0:
        c.close()
        return out
    c.subscribe([topic])
    idle = 0
    while len(eof) < parts and idle < 60:
        m = c.poll(1.0)
        if m is None:
            idle += 1
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
                continue
            raise SystemExit(f"{topic}: {m.error()}")
        out.append(m)
    c.close()
    return out


tick_v = validator("market.ticks")
analysis_v = validator("ai.analyses")
cost_v = validator("ai.costs")
alert_v = validator("ai.alerts")
dlq_v = validator("tickgate.dlq.headers")
event_v = validator("market.events")
request_v = validator("ai.requests")

# The README's examples first: the tick of the topics table and the DESIGN-style tick.
readme = open(os.path.join(SRC, "README.md")).read()
row = next(l for l in readme.splitlines() if l.startswith("| `market.ticks` (in) |"))
example = json.loads(re.search(r"`(\{.*?\})`", row).group(1))
check(tick_v, example, "README market.ticks example")
row = next(l for l in readme.splitlines() if l.startswith("| `market.events` (in) |"))
event_example = json.loads(re.search(r"`(\{.*?\})`", row).group(1))
check(event_v, event_example, "README market.events example")
row = next(l for l in readme.splitlines() if l.startswith("| `ai.requests` (in) |"))
request_example = json.loads(re.search(r"`(\{.*?\})`", row).group(1))
check(request_v, request_example, "README ai.requests example")
# The schemas are not vacuous: what tickgate rejects, they reject.
for wrong in [{"symbol": "X", "ts": 1}, {"symbol": "", "ts": 1, "price": 1}, {"symbol": "X", "ts": 1.5, "price": 1},
              {"symbol": "X", "ts": 1, "price": 0}, {"symbol": "X", "ts": 1, "price": 1, "indicators": {"rsi": 101}}]:
    assert not tick_v.is_valid(wrong), wrong
for wrong in [{"symbol": "X", "ts": 1}, {"symbol": "X", "ts": 1, "type": "rumour"},
              {"symbol": "X", "ts": 1, "type": "news"}, {"symbol": "X", "ts": 1, "type": "signal", "priority": "urgent"},
              {"symbol": "X", "ts": 1, "type": "news", "text": "a", "headline": "b"}]:
    assert not event_v.is_valid(wrong), wrong
for wrong in [{"symbol": "X", "agent": "market_regime"}, {"correlation_id": "", "symbol": "X", "agent": "a"},
              {"correlation_id": "c", "symbol": "X", "agent": "a", "max_age_s": -1},
              {"correlation_id": "c", "symbol": "X", "agent": "a", "ts": 1.5}]:
    assert not request_v.is_valid(wrong), wrong

work = tempfile.mkdtemp(prefix="tickgate-schemas-")
broker = subprocess.Popen([BIN, "broker", "--partitions", "3"], stdout=subprocess.PIPE, text=True)
try:
    first = broker.stdout.readline().strip()
    assert first.startswith("BOOTSTRAP "), first
    bootstrap = first.split(" ", 1)[1]

    trades = os.path.join(work, "trades.csv")
    with open(os.path.join(SRC, "data", "sample", "hf_multitrade_2014-09-17.csv")) as f, open(trades, "w") as out:
        for i, line in enumerate(f):
            if i > 4000:
                break
            out.write(line)
    subprocess.run([BIN, "publish", "--csv", trades, "--tz", "America/New_York", "--brokers", bootstrap],
                   check=True, stdout=subprocess.DEVNULL)
    # Hostile records from another client: each must reach the DLQ with a reason.
    bad = [b"not json", b"[1,2]", b'{"symbol":"AAA","ts":1410960601291}',
           b'{"symbol":"AAA","ts":1410960601291,"price":-5}', b'{"symbol":"A A","ts":1410960601291,"price":5}',
           b'{"symbol":"AAA","ts":1410960601291,"price":5,"bid":6,"ask":5}']
    p = Producer({"bootstrap.servers": bootstrap})
    for b in bad:
        p.produce("market.ticks", key=b"AAA", value=b)
    # Outside events within the session, valid by the schema, and bad ones for the DLQ.
    events = [{"symbol": "AAA", "ts": 1410960900000, "type": "signal", "text": "breakout long", "source": "py"},
              {"symbol": "BBB", "ts": 1410961000000, "type": "news", "headline": "BBB buys a game studio"},
              event_example]
    bad_events = [b'{"symbol":"AAA","ts":1410960900000,"type":"rumour"}', b"{]"]
    def publish(topic, validator, what, valid, invalid):
        for r in valid:
            check(validator, r, what)
            p.produce(topic, key=r["symbol"].encode(), value=json.dumps(r).encode())
        for b in invalid:
            p.produce(topic, key=b"AAA", value=b)

    publish("market.events", event_v, "published event", events, bad_events)
    # Requests for analyses on demand, as of times within the session, and bad ones.
    requests = [{"correlation_id": "schema-1", "symbol": "AAA", "agent": "market_regime", "ts": 1410961200000,
                 "context": "is the trend intact?"},
                {"correlation_id": "schema-2", "symbol": "BBB", "agent": "anomaly_detector", "ts": 1410961300000,
                 "max_age_s": 0},
                dict(request_example, ts=1410961400000)]
    bad_requests = [b'{"correlation_id":"x","symbol":"AAA","agent":"oracle"}', b'{"symbol":"AAA"}']
    publish("ai.requests", request_v, "published request", requests, bad_requests)
    bad = bad + bad_events + bad_requests
    p.flush(10)
    del p

    subprocess.run([BIN, "run", "--brokers", bootstrap, "--data-dir", os.path.join(work, "data"), "--until-eof",
                    "--group", "schema-check", "--admin", "127.0.0.1:0",
                    "--set", "alerts.dlq_window_records=10",  # a DLQ-rate alert to validate too
                    "--set", 'kafka.consumer_properties={"session.timeout.ms":"6000"}'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ticks = read_all(bootstrap, "market.ticks")
    valid_ticks = 0
    for m in ticks:
        try:
            doc = json.loads(m.value())
        except ValueError:
            continue
        if m.value() not in bad:  # what `tickgate publish` wrote: must validate
            check(tick_v, doc, "published tick")
            valid_ticks += 1
    assert valid_ticks == 4000, valid_ticks

    analyses = read_all(bootstrap, "ai.analyses")
    if analyses:
        broken = json.loads(analyses[0].value())
        broken["source"] = "guess"
        assert not analysis_v.is_valid(broken)
    from_events, answered = 0, []
    for m in analyses:
        doc = json.loads(m.value())
        check(analysis_v, doc, "ai.analyses record")
        assert m.key().decode() == doc["symbol"], (m.key(), doc["symbol"])
        from_events += doc["source_offset"]["input"] == "events"
        if doc["source_offset"]["input"] == "requests":
            answered.append(doc["correlation_id"])
    assert from_events >= 2, from_events  # the signal and the news at least
    # One answer per request, with its correlation id.
    assert sorted(answered) == sorted(r["correlation_id"] for r in requests), answered
    costs = read_all(bootstrap, "ai.costs")
    for m in costs:
        doc = json.loads(m.value())
        check(cost_v, doc, "ai.costs record")
        assert m.key().decode() == doc["request_id"]
    dlq = read_all(bootstrap, "tickgate.dlq")
    for m in dlq:
        headers = {k: v.decode() for k, v in (m.headers() or [])}
        check(dlq_v, headers, "tickgate.dlq headers")
    assert sorted(m.value() for m in dlq) == sorted(bad), [m.value() for m in dlq]
    alerts = read_all(bootstrap, "ai.alerts")
    for m in alerts:
        check(alert_v, json.loads(m.value()), "ai.alerts record")
    assert analyses and costs and alerts, (len(analyses), len(costs), len(alerts))
    print(f"schemas ok: {valid_ticks} ticks, {len(events)} events, {len(analyses)} analyses "
          f"({from_events} of events, {len(answered)} answers to requests), {len(costs)} costs, "
          f"{len(dlq)} dead letters, {len(alerts)} alerts validated")
finally:
    broker.terminate()
    broker.wait(timeout=30)
