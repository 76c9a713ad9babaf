#!/usr/bin/env python3
"""A strategy hands tickgate a signal, or asks an agent, and reads back what the agents said
and what it cost.

Publishes one event to market.events (key = symbol, so it lands in the partition of the
symbol's ticks), then reads ai.analyses and ai.costs from their current ends until the
analyses of that very record arrive (matched on source_offset: input "events", partition and
offset of the delivered record) and the ledger records of their requests. With --ask AGENT it
publishes a request to ai.requests instead (the text as its context, --max-age in seconds) and
waits for the one answer carrying its correlation id.

Needs only Debian's python3-confluent-kafka:

    examples/signal_client.py --brokers 127.0.0.1:9092 --symbol AAPL --text "breakout long" \\
        [--type signal] [--priority high] [--value 0.8] [--ts EPOCH_MS] [--timeout 60]
    examples/signal_client.py --brokers 127.0.0.1:9092 --symbol AAPL --ask market_regime \
        [--text "is the trend intact?"] [--max-age 300]

Prints one JSON line per analysis and per cost record; exits 0 once every analysis has its
cost, 1 on timeout (tickgate not running, or no agent subscribed to the event type: see the
agents' "events" in the config; a request for an agent that is not configured goes to the
DLQ), 2 when the record could not be delivered.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def topic_ends(consumer, topic):
    """The current end of every partition of `topic`: where reading starts."""
    md = consumer.list_topics(topic, timeout=10)
    if topic not in md.topics or md.topics[topic].error is not None:
        raise SystemExit(f"topic {topic} does not exist on this cluster")
    out = []
    for p in md.topics[topic].partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        out.append(TopicPartition(topic, p, high))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--symbol", required=True)
    ap.add_argument("--type", default="signal",
                    choices=["signal", "position_opened", "position_closed", "earnings", "news"])
    ap.add_argument("--text", default="")
    ap.add_argument("--priority", choices=["low", "medium", "high", "critical"])
    ap.add_argument("--value", type=float)
    ap.add_argument("--ts", type=int, help="event time, epoch ms (default: now)")
    ap.add_argument("--source", default="signal_client.py")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--ask", metavar="AGENT", help="ask this agent for an analysis on demand (ai.requests)")
    ap.add_argument("--max-age", type=float, help="with --ask: how old a cached answer may be, seconds")
    ap.add_argument("--requests-topic", default="ai.requests")
    ap.add_argument("--events-topic", default="market.events")
    ap.add_argument("--analyses-topic", default="ai.analyses")
    ap.add_argument("--costs-topic", default="ai.costs")
    a = ap.parse_args()

    # Read from the outputs' current ends: only what follows the event.
    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": f"signal-client-{uuid.uuid4()}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign(topic_ends(consumer, a.analyses_topic) + topic_ends(consumer, a.costs_topic))

    ts = a.ts if a.ts is not None else int(time.time() * 1000)
    correlation_id = None
    if a.ask:
        correlation_id = f"client-{uuid.uuid4()}"
        topic, input_kind = a.requests_topic, "requests"
        event = {"correlation_id": correlation_id, "symbol": a.symbol, "agent": a.ask, "ts": ts}
        if a.text:
            event["context"] = a.text
        if a.max_age is not None:
            event["max_age_s"] = a.max_age
    else:
        topic, input_kind = a.events_topic, "events"
        event = {"symbol": a.symbol, "ts": ts, "type": a.type, "source": a.source}
        if a.text:
            event["text"] = a.text
        if a.priority:
            event["priority"] = a.priority
        if a.value is not None:
            event["value"] = a.value
    delivered = {}

    def on_delivery(err, msg):
        delivered["err"] = err
        if err is None:
            delivered["where"] = (msg.partition(), msg.offset())

    producer = Producer({"bootstrap.servers": a.brokers})
    producer.produce(topic, key=a.symbol.encode(), value=json.dumps(event).encode(),
                     on_delivery=on_delivery)
    producer.flush(30)
    if delivered.get("err") is not None or "where" not in delivered:
        print(f"event not delivered: {delivered.get('err')}", file=sys.stderr)
        return 2
    partition, offset = delivered["where"]
    print(json.dumps({"published": event, "partition": partition, "offset": offset}), flush=True)

    analyses, costs = {}, {}  # request_id -> records
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                print(f"consumer: {m.error()}", file=sys.stderr)
            continue
        doc = json.loads(m.value())
        if m.topic() == a.analyses_topic:
            src = doc.get("source_offset", {})
            if src.get("input") == input_kind and src.get("partition") == partition and src.get("offset") == offset:
                assert correlation_id is None or doc.get("correlation_id") == correlation_id, doc
                analyses.setdefault(doc["request_id"], []).append(doc)
                print(json.dumps({"analysis": doc}), flush=True)
        else:
            costs[doc["request_id"]] = doc
        # Done once every request that answered the event has its ledger record.
        if analyses and all(r in costs for r in analyses):
            for r in analyses:
                print(json.dumps({"cost": costs[r]}), flush=True)
            consumer.close()
            return 0
    consumer.close()
    print(f"no analysis with its cost for {topic}/{partition}/{offset} within {a.timeout} s",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
