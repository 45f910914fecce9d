#!/usr/bin/env python3
"""compare_table.py RAW BASELINE MODE ROUNDS SECS: compare.sh's markdown report.

RAW holds one line per measurement, key=value fields: round=, client=, server=
and what bench/load or bench/pingpong printed. Cells are medians over rounds;
the ratio is to BASELINE's median for the same client and point.
"""
import collections
import statistics
import sys

raw, baseline, mode, rounds, secs = sys.argv[1:]
runs = collections.defaultdict(list)  # (client, server, conns, size) -> [fields]
bulk = collections.defaultdict(list)  # server -> [Gbit/s]
rss = collections.defaultdict(list)   # server -> [KiB]
servers, clients = [], []
for line in open(raw):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    server = kv.get("server")
    if not server:
        continue
    if server not in servers:
        servers.append(server)
    if "peak_rss_kb" in kv:
        if kv["peak_rss_kb"]:
            rss[server].append(int(kv["peak_rss_kb"]))
    elif "gbps" in kv:
        bulk[server].append(float(kv["gbps"]))
    elif "rps" in kv:
        if kv["client"] not in clients:
            clients.append(kv["client"])
        runs[kv["client"], server, int(kv["conns"]), int(kv["size"])].append(kv)
points = sorted({(c, s) for _, _, c, s in runs})


def median(client, server, conns, size, key):
    vals = [float(kv[key]) for kv in runs.get((client, server, conns, size), []) if float(kv[key]) >= 0]
    return statistics.median(vals) if vals else None


def num(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def size_name(s):
    return f"{s // 1024} KiB" if s % 1024 == 0 else f"{s} B"


def table(title, client, key, scale=1.0):
    print(f"\n### {title}, client {client}\n")
    print("| conns × size | " + " | ".join(servers) + " |")
    print("|---|" + "---:|" * len(servers))
    for c, s in points:
        base = median(client, baseline, c, s, key)
        cells = []
        for srv in servers:
            v = median(client, srv, c, s, key)
            cell = "-" if v is None else num(v * scale)
            if v is not None and base and srv != baseline:
                cell += f" ({v / base:.2f}x)"
            cells.append(cell)
        print(f"| {c} × {size_name(s)} | " + " | ".join(cells) + " |")


what = "echo servers" if mode == "echo" else "proxies in front of bench/reference's epoll echo"
print(f"## {what}: medians of {rounds} round(s) of {secs} s; ratios to {baseline}")
cpu = "server CPU µs per round trip" if mode == "echo" else "proxy CPU µs per round trip (socat: all of cpu 1)"
for client in clients:
    table(f"{cpu} (lower is better)", client, "server_cpu_us_per_rt")
for client in clients:
    table("thousand round trips per second (higher is better)", client, "rps", 1e-3)
for client in clients:
    table("p99 latency µs (lower is better)", client, "p99_us")
if bulk:
    base = statistics.median(bulk[baseline]) if bulk.get(baseline) else None
    print("\n### bulk throughput, one stream of 64 KiB writes, Gbit/s (higher is better), client load\n")
    print("| " + " | ".join(servers) + " |")
    print("|" + "---:|" * len(servers))
    cells = []
    for srv in servers:
        v = statistics.median(bulk[srv]) if bulk.get(srv) else None
        cell = "-" if v is None else f"{v:.2f}"
        if v is not None and base and srv != baseline:
            cell += f" ({v / base:.2f}x)"
        cells.append(cell)
    print("| " + " | ".join(cells) + " |")
print("\npeak RSS (MiB, max over rounds): " + ", ".join(f"{s} {max(rss[s]) / 1024:.1f}" for s in servers if rss[s]))
for client in clients:
    bad = {srv: sum(int(kv["errors"]) + int(kv["mismatches"]) for k, lst in runs.items()
                    if k[0] == client and k[1] == srv for kv in lst) for srv in servers}
    print(f"errors + mismatches, client {client}: " + ", ".join(f"{s} {n}" for s, n in bad.items()))
