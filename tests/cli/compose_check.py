#!/usr/bin/env python3
"""There is no Docker engine here, so compose/ is checked for what can be checked without one:
the files parse, every file and path a service names exists in the repository, every topic the
config uses is created (the budget sequencer with one partition), Prometheus scrapes the port
the replicas' admin API listens on, and every metric the Grafana dashboard plots is one that
tickgate really exports."""
import json
import os
import re
import sys

import yaml

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
compose_dir = os.path.join(root, "compose")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


with open(os.path.join(compose_dir, "docker-compose.yml")) as f:
    compose = yaml.safe_load(f)
services = compose.get("services", {})
for name in ["kafka", "topics", "feed", "tickgate", "prometheus", "grafana"]:
    check(name in services, f"service {name} is missing")

# Build contexts, Dockerfiles and bind mounts exist.
for name, svc in services.items():
    build = svc.get("build")
    if build:
        ctx = os.path.normpath(os.path.join(compose_dir, build["context"]))
        check(os.path.isdir(ctx), f"{name}: build context {ctx} does not exist")
        check(os.path.isfile(os.path.join(ctx, build["dockerfile"])), f"{name}: Dockerfile missing")
    for vol in svc.get("volumes", []):
        src = vol.split(":")[0]
        if src.startswith("."):
            check(os.path.exists(os.path.join(compose_dir, src)), f"{name}: volume source {src} missing")
    # Paths under /src inside the image are files of this repository.
    for arg in svc.get("command", []) if isinstance(svc.get("command"), list) else []:
        if isinstance(arg, str) and arg.startswith("/src/"):
            check(os.path.exists(os.path.join(root, arg[len("/src/"):])), f"{name}: {arg} missing")

check(os.path.isfile(os.path.join(root, ".dockerignore")), ".dockerignore missing")
with open(os.path.join(root, ".dockerignore")) as f:
    ignored = {line.strip() for line in f if line.strip() and not line.startswith("#")}
for entry in ["build", ".git", "tickgate-data"]:
    check(entry in ignored, f".dockerignore does not exclude {entry}")

# The replicas: restart policy, healthcheck, admin API reachable from the network.
tg = services.get("tickgate", {})
check(tg.get("restart") in ("always", "unless-stopped", "on-failure"), "tickgate: no restart policy")
check("healthcheck" in tg, "tickgate: no healthcheck")
cmd = tg.get("command", [])
admin = cmd[cmd.index("--admin") + 1] if "--admin" in cmd else "127.0.0.1:8080"
host, port = admin.rsplit(":", 1)
check(host == "0.0.0.0", f"tickgate: admin listens on {host}, unreachable for Prometheus")
check(str(port) in [str(p) for p in tg.get("expose", [])], "tickgate: admin port not exposed")

# Every topic of the default config is created; the budget sequencer with one partition.
with open(os.path.join(root, "config", "default.json")) as f:
    cfg_text = f.read()
topics_cmd = "\n".join(services.get("topics", {}).get("command", []))
for key in ["ticks", "analyses", "costs", "dlq", "alerts", "budget", "state"]:
    m = re.search(r'"%s":\s*"([^"]+)"' % key, cfg_text)
    check(m is not None, f"config/default.json names no {key} topic")
    if m:
        check(m.group(1) in topics_cmd, f"topic {m.group(1)} is not created by the topics service")
check(re.search(r"--topic tickgate\.budget --partitions 1\b", topics_cmd) is not None,
      "tickgate.budget must be created with one partition")
# The changelog is co-partitioned with the ticks (state of partition p lives in partition p)
# and compacted (the newest state of each symbol is what a restore needs).
ticks_parts = re.search(r"for t in market\.ticks[^;]*;.*?--partitions (\d+)", topics_cmd, re.S)
state_parts = re.search(r"--topic tickgate\.state --partitions (\d+)", topics_cmd)
check(ticks_parts is not None and state_parts is not None and ticks_parts.group(1) == state_parts.group(1),
      "tickgate.state must have as many partitions as market.ticks")
check(re.search(r"--topic tickgate\.state[^\n]*\n[^\n]*cleanup\.policy=compact", topics_cmd) is not None,
      "tickgate.state must be compacted")

# Prometheus finds every replica by the service's DNS name on the admin port.
with open(os.path.join(compose_dir, "prometheus", "prometheus.yml")) as f:
    prom = yaml.safe_load(f)
jobs = prom.get("scrape_configs", [])
check(len(jobs) == 1, "prometheus: one scrape job expected")
for job in jobs:
    sd = job.get("dns_sd_configs", [{}])[0]
    check("tickgate" in sd.get("names", []), "prometheus: does not discover the tickgate service")
    check(str(sd.get("port")) == str(port), "prometheus: scrapes another port than the admin API")

# Grafana: provisioning points at the mounted dashboards; every metric plotted exists.
with open(os.path.join(compose_dir, "grafana", "provisioning", "dashboards", "tickgate.yml")) as f:
    prov = yaml.safe_load(f)
check(prov["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards",
      "grafana: dashboards provider path does not match the mount")
with open(os.path.join(compose_dir, "grafana", "dashboards", "tickgate.json")) as f:
    dash = json.load(f)
exported = set()
for sub in ["actors", "app", "common", "kafka"]:
    for dirpath, _, files in os.walk(os.path.join(root, sub)):
        for fn in files:
            if fn.endswith((".cpp", ".hpp")):
                with open(os.path.join(dirpath, fn)) as src:
                    exported.update(re.findall(r'"(tickgate_[a-z_]+)"', src.read()))
wanted = ["spend", "calls", "level", "lag", "latency"]
titles = " ".join(p["title"].lower() for p in dash["panels"])
for w in wanted:
    check(w in titles, f"grafana: no panel about {w}")
for p in dash["panels"]:
    for t in p["targets"]:
        for metric in re.findall(r"tickgate_[a-z_]+", t["expr"]):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            check(base in exported, f"grafana: panel '{p['title']}' plots {metric}, which tickgate does not export")

for f in failures:
    print("compose: " + f)
print("compose: %d services, %d panels, %s" % (len(services), len(dash["panels"]),
                                                 "ok" if not failures else "%d problems" % len(failures)))
sys.exit(1 if failures else 0)
