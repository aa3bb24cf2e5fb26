#!/usr/bin/python3
"""peers.py: runs guise's null call next to what users pick instead, writes the results and a plot.

Each peer program (bench/peers/*_peer.cpp) is run as separate processes: a server, then clients.
Round trips (one client, one connection, 100 octets each way) are taken with every process pinned
to one CPU (the affinity this script sets is inherited, as `taskset -c 1` would do) and unpinned;
calls/s with 1, 2 and 4 client processes and the memory of idle clients, unpinned.

  bench/peers/peers.py --bin build/peers/bench/peers --out build/peers/peers-results
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

PEERS = ["raw", "guise", "dbus", "grpc", "capnp"]
LABELS = {
    "raw": "raw AF_UNIX",
    "guise": "guise COM (MTA)",
    "dbus": "D-Bus (sd-bus)",
    "grpc": "gRPC C++",
    "capnp": "Cap'n Proto",
}
# Where the idle clients' memory is kept, per peer.
MEMORY_OF = {
    "raw": "the epoll server",
    "guise": "guise's RPC server (bound, local security)",
    "dbus": "dbus-daemon",
    "grpc": "the gRPC server",
    "capnp": "the EzRpcServer",
}

DBUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_completed_connections">{connections}</limit>
  <limit name="max_incomplete_connections">{connections}</limit>
  <limit name="max_connections_per_user">{connections}</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
</busconfig>
"""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Bus:
    """A private dbus-daemon for one measurement (no system or session bus is touched)."""

    def __init__(self, workdir, connections):
        path = os.path.join(workdir, f"bus-{time.monotonic_ns()}")
        config = path + ".conf"
        with open(config, "w") as f:
            f.write(DBUS_CONFIG.format(path=path, connections=connections + 100))
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + config, "--nofork", "--print-address"],
            stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon did not start")

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Server:
    """One peer server (and for D-Bus its daemon); closing its stdin ends it."""

    def __init__(self, bindir, peer, workdir, idle=False, connections=0):
        self.bus = Bus(workdir, connections) if peer == "dbus" else None
        address = self.bus.address if self.bus else os.path.join(workdir, f"{peer}-{time.monotonic_ns()}.sock")
        args = [os.path.join(bindir, f"peers_{peer}"), "serve"] + (["--idle"] if idle else []) + [address]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split(maxsplit=1)
        if len(line) != 2 or line[0] != "address":
            raise RuntimeError(f"{peer}: the server did not start")
        self.address = line[1].strip()

    def memory_pid(self):
        return self.bus.proc.pid if self.bus else self.proc.pid

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        if self.bus:
            self.bus.close()


def client(bindir, peer, *args):
    return subprocess.Popen([os.path.join(bindir, f"peers_{peer}")] + [str(a) for a in args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def round_trip(bindir, peer, workdir, count):
    server = Server(bindir, peer, workdir)
    try:
        out, _ = client(bindir, peer, "latency", server.address, count).communicate(timeout=600)
    finally:
        server.close()
    fields = out.split()
    if len(fields) != 4 or fields[0] != "latency":
        raise RuntimeError(f"{peer}: latency client failed")
    return {"median_us": float(fields[1]), "p99_us": float(fields[2]), "mean_us": float(fields[3])}


def throughput(bindir, peer, workdir, clients, seconds):
    server = Server(bindir, peer, workdir)
    procs = []
    try:
        procs = [client(bindir, peer, "throughput", server.address) for _ in range(clients)]
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError(f"{peer}: a throughput client failed")
        for p in procs:  # all start together
            p.stdin.write(f"{seconds}\n")
            p.stdin.flush()
        total = 0.0
        for p in procs:
            fields = p.stdout.readline().split()
            if len(fields) != 3 or fields[0] != "calls":
                raise RuntimeError(f"{peer}: a throughput client failed")
            total += int(fields[1]) / float(fields[2])
        return total
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=60)
        server.close()


def idle_memory(bindir, peer, workdir, n):
    server = Server(bindir, peer, workdir, idle=True, connections=n)
    idle = None
    try:
        # Warm: the server's threads and buffers exist before the baseline is read.
        warm = client(bindir, peer, "idle", server.address, 1)
        if warm.stdout.readline().split()[:1] != ["ready"]:
            raise RuntimeError(f"{peer}: the warm-up client failed")
        before = rss_bytes(server.memory_pid())
        started = time.monotonic()
        idle = client(bindir, peer, "idle", server.address, n)
        if idle.stdout.readline().split() != ["ready", str(n)]:
            raise RuntimeError(f"{peer}: the idle client failed")
        took = time.monotonic() - started
        after = rss_bytes(server.memory_pid())
        warm.stdin.close()
        warm.wait(timeout=60)
        return {"clients": n, "rss_before": before, "rss_after": after,
                "bytes_per_client": (after - before) / n, "connect_seconds": took}
    finally:
        if idle:
            idle.stdin.close()
            idle.wait(timeout=300)
        server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory of the peers_* programs")
    parser.add_argument("--out", required=True, help="results prefix: writes PREFIX.json, PREFIX.md, PREFIX.png")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--count", type=int, default=20000, help="timed round trips per peer")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per calls/s measurement")
    parser.add_argument("--idle", type=int, default=10000, help="idle clients on one server")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU of the pinned round trips")
    parser.add_argument("--parts", default="round_trip,calls_per_second,idle", help="what to measure")
    parser.add_argument("--fifo", action="store_true",
                        help="pinned round trips also at SCHED_FIFO 50 (as `chrt -f 50`, root): on a machine others "
                             "load, the measured processes run when they are ready")
    args = parser.parse_args()
    peers = args.peers.split(",")

    # Every server and client inherits it. 10 000 guise connections hold 20 000 descriptors (the socket
    # and the peer's pidfd); root may raise the hard limit, anyone the soft one to the hard one.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(hard, 1 << 17), max(hard, 1 << 17)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    all_cpus = os.sched_getaffinity(0)
    workdir = tempfile.mkdtemp(prefix="guise-peers-")
    results = {"machine": {"cpus": len(all_cpus), "loadavg_start": os.getloadavg(),
                           "kernel": os.uname().release, "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())},
               "fifo": args.fifo, "round_trip": {"pinned": {}, "unpinned": {}}, "calls_per_second": {}, "idle": {}, "idle_skipped": {}}
    try:
        parts = args.parts.split(",")
        for placement in ("pinned", "unpinned") if "round_trip" in parts else ():
            os.sched_setaffinity(0, {args.cpu} if placement == "pinned" else all_cpus)
            if args.fifo:
                policy = os.SCHED_FIFO if placement == "pinned" else os.SCHED_OTHER
                os.sched_setscheduler(0, policy, os.sched_param(50 if placement == "pinned" else 0))
            for peer in peers:
                log(f"round trip, {placement}: {peer}")
                results["round_trip"][placement][peer] = round_trip(args.bin, peer, workdir, args.count)
        os.sched_setaffinity(0, all_cpus)
        for peer in peers if "calls_per_second" in parts else ():
            results["calls_per_second"][peer] = {}
            for clients in (1, 2, 4):
                log(f"calls/s, {clients} client processes: {peer}")
                results["calls_per_second"][peer][str(clients)] = throughput(args.bin, peer, workdir, clients,
                                                                              args.seconds)
        for peer in peers if "idle" in parts else ():
            log(f"{args.idle} idle clients: {peer}")
            try:
                results["idle"][peer] = idle_memory(args.bin, peer, workdir, args.idle)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                results["idle_skipped"][peer] = str(e)
                log(f"  skipped: {e}")
        results["machine"]["loadavg_end"] = os.getloadavg()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    with open(args.out + ".json", "w") as f:
        json.dump(results, f, indent=1)
    table = markdown(results, peers)
    with open(args.out + ".md", "w") as f:
        f.write(table)
    print(table)
    plot(results, peers, args.out + ".png")


def ratio(value, base):
    return f"{value / base:.2f}×" if base else "—"


def markdown(r, peers):
    pin, unpin = r["round_trip"]["pinned"], r["round_trip"]["unpinned"]
    cps = r["calls_per_second"]
    base = "raw"
    lines = [
        f"Run {r['machine']['time']}, {r['machine']['cpus']} CPUs, load average "
        f"{r['machine']['loadavg_start'][0]:.1f} at the start, {r['machine'].get('loadavg_end', [0])[0]:.1f} at the end"
        + ("; pinned round trips at SCHED_FIFO 50." if r.get("fifo") else "."),
        "",
        "| peer | round trip pinned, median (p99) | ratio | unpinned, median (p99) | ratio "
        "| calls/s, 1 client | 2 clients | 4 clients | ratio (4 clients) | idle client, server RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in peers:
        cells = [LABELS[p]]
        for rt in (pin, unpin):
            if p in rt:
                cells += [f"{rt[p]['median_us']:.1f} µs ({rt[p]['p99_us']:.0f} µs)",
                          ratio(rt[p]["median_us"], rt.get(base, {}).get("median_us", 0))]
            else:
                cells += ["—", "—"]
        for k in ("1", "2", "4"):
            cells.append(f"{cps[p][k]:,.0f}".replace(",", " ") if p in cps else "—")
        cells.append(ratio(cps[p]["4"], cps[base]["4"]) if p in cps and base in cps else "—")
        if p in r["idle"]:
            cells.append(f"{r['idle'][p]['bytes_per_client'] / 1024:.1f} KiB ({MEMORY_OF[p]})")
        else:
            cells.append("not measured: " + r["idle_skipped"].get(p, "—"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(r, peers, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not all(r["round_trip"][pl].get("raw") for pl in ("pinned", "unpinned")) or not r["calls_per_second"]:
        log("plot: needs the round trips and calls/s of every peer, raw included; not drawn")
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    names = [LABELS[p] for p in peers]
    x = range(len(peers))
    ax = axes[0]
    width = 0.4
    for i, placement in enumerate(("pinned", "unpinned")):
        rt = r["round_trip"][placement]
        base = rt["raw"]["median_us"]
        ax.bar([v + (i - 0.5) * width for v in x], [rt[p]["median_us"] / base for p in peers], width,
               label="one CPU" if placement == "pinned" else "unpinned")
    ax.set_title("round trip, median, ratio to raw AF_UNIX")
    ax.axhline(1, color="grey", linewidth=0.8)
    ax.legend(fontsize=8)
    ax = axes[1]
    width = 0.27
    for i, k in enumerate(("1", "2", "4")):
        ax.bar([v + (i - 1) * width for v in x], [r["calls_per_second"][p][k] / 1000 for p in peers], width,
               label=f"{k} client process{'es' if k != '1' else ''}")
    ax.set_title("calls/s (thousands)")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.bar(list(x), [r["idle"][p]["bytes_per_client"] / 1024 if p in r["idle"] else 0 for p in peers])
    ax.set_title(f"server memory per idle client (KiB, {r['idle'].get('raw', {}).get('clients', '')} clients)")
    for a in axes:
        a.set_xticks(list(x))
        a.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    fig.suptitle("null call, 100 octets each way, one connection per client (bench/peers)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
