"""Ingest benchmark: accepted envelopes/s, accept latency, resident memory, and a durability check.

Starts the fake Sentry ingest pinned to one core (``taskset -c 0``, via ``start_ingest(cpu=0)``),
drives it from a load generator in its own process pinned to the other core, then proves that
what was answered 2xx was stored: flush, compare the stored count with the client's 2xx count,
read a marker event back (parsed item and raw bytes), kill the ingest with SIGKILL, restart it on
the same data folder and count again.

Modes (see docs/performance.md for the figures and the budgets they are held to):

    --mode throughput            closed loop, 32 keep-alive connections, 2 s warm-up + 10 s
    --mode latency --rate 500    open loop at a fixed rate, latency from each request's due time
    --mode memory --count 100000 closed loop until N envelopes, RSS sampled during and after

The payload is the peers bench's 2,166-byte error envelope, gzip level 6 (``--payload plain``
for the uncompressed body); ``--durability full`` makes SQLite fsync the WAL on every batch.
The load generator is wrk (``benchmarks/post_envelope.lua``) for throughput when it is installed,
else ``benchmarks/loadgen.py`` (asyncio); latency and memory always use loadgen.py, which has
an open loop and stops at an exact count. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import payload  # benchmarks/payload.py (this script's folder is on sys.path)

from harness.ingest import IngestProcess, start_ingest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LUA = HERE / "post_envelope.lua"
LOADGEN = HERE / "loadgen.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# machine and process accounting (/proc)
# ---------------------------------------------------------------------------------------------
def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def per_cpu_ticks() -> dict[str, tuple[int, int]]:
    """cpuN -> (busy ticks, total ticks) from /proc/stat."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *rest = line.split()
        if name.startswith("cpu") and name != "cpu":
            vals = [int(v) for v in rest[:8]]
            idle = vals[3] + vals[4]  # idle + iowait
            out[name] = (sum(vals) - idle, sum(vals))
    return out


def busy_pct(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict[str, float]:
    out = {}
    for name, (b1, t1) in after.items():
        b0, t0 = before.get(name, (0, 0))
        out[name] = 100.0 * (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0
    return out


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process, all its threads (the ingest's writer thread included)."""
    st = Path(f"/proc/{pid}/stat").read_text()
    fields = st[st.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_mem_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


_SPEED_PROBE = """
import gzip, json, time
raw = json.dumps({"frames": [{"filename": f"app/step_{i}.py", "lineno": i} for i in range(40)]}).encode()
gz = gzip.compress(raw, 6, mtime=0)
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    for _ in range(2000):
        json.loads(gzip.decompress(gz))
    best = min(best, time.perf_counter() - t)
print(best * 1000)
"""


def cpu_speed_ms(cpu: int | None) -> float:
    """A fixed CPU-bound probe (gunzip + JSON, pure CPython) timed on the ingest's core, in ms.

    The machine is a VM: a busy host slows a vCPU without it showing as load or steal inside the
    VM, so each run records this probe next to its figures; a higher number means a slower core.
    """
    r = subprocess.run(pinned([sys.executable, "-c", _SPEED_PROBE], cpu), capture_output=True, text=True, check=True)
    return float(r.stdout.strip())


def children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "cpu": cpu_model(),
        "nproc": str(os.cpu_count()),
        "kernel": platform.release(),
    }
    for dist in ("uvicorn", "starlette", "uvloop", "httptools", "orjson"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = "-"
    if shutil.which("wrk"):
        r = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        out["wrk"] = ((r.stdout + r.stderr).strip().splitlines() or ["?"])[0].split(" [")[0]
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "harness"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        out["sentry-gate"] = rev + (" + uncommitted harness/ changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        out["sentry-gate"] = "?"
    return out


# ---------------------------------------------------------------------------------------------
# HTTP (stdlib, loopback only)
# ---------------------------------------------------------------------------------------------
def http_call(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def http_json(port: int, method: str, path: str) -> Any:
    status, body = http_call(port, method, path)
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} -> {status}: {body[:200]!r}")
    return json.loads(body)


# ---------------------------------------------------------------------------------------------
# load generators
# ---------------------------------------------------------------------------------------------
def pinned(argv: list[str], cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu), *argv] if cpu is not None else argv


def run_wrk(args: argparse.Namespace, url: str, body_file: Path, encoding: str, seconds: float) -> dict[str, Any]:
    argv = ["wrk", "-t1", f"-c{args.connections}", f"-d{round(seconds)}s", "--timeout", "5s", "-s", str(LUA), url]
    env = dict(os.environ, BENCH_BODY=str(body_file), BENCH_ENCODING=encoding)
    c0 = children_cpu_s()
    r = subprocess.run(
        pinned(argv, args.client_cpu), capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    cpu = children_cpu_s() - c0
    line = next((x for x in r.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: rc={r.returncode} {r.stdout[-400:]} {r.stderr[-400:]}")
    d = json.loads(line.removeprefix("BENCH_JSON "))
    secs = d["duration_us"] / 1e6
    ok = d["requests"] - d["err_status"]
    return {
        "client": "wrk",
        "seconds": secs,
        "count_2xx": ok,
        "rate_2xx": ok / secs,
        "errors": d["err_connect"] + d["err_read"] + d["err_write"] + d["err_status"] + d["err_timeout"],
        "lat_p50_ms": d["lat_p50_us"] / 1000,
        "lat_p90_ms": d["lat_p90_us"] / 1000,
        "lat_p99_ms": d["lat_p99_us"] / 1000,
        "lat_max_ms": d["lat_max_us"] / 1000,
        "cpu_s": cpu,
        "cpu_pct": 100 * cpu / secs,
        # wrk stops with up to one request in flight per connection; those may be stored
        # (and even answered) without wrk counting them.
        "uncounted_in_flight_max": args.connections,
    }


def run_loadgen(
    args: argparse.Namespace,
    url: str,
    body_file: Path,
    encoding: str,
    *,
    seconds: float,
    count: int = 0,
    rate: float = 0.0,
) -> dict[str, Any]:
    argv = [
        sys.executable,
        str(LOADGEN),
        "--url",
        url,
        "--body",
        str(body_file),
        "--encoding",
        encoding,
        "--connections",
        str(args.connections),
        "--duration",
        str(seconds),
        "--count",
        str(count),
        "--rate",
        str(rate),
    ]
    r = subprocess.run(pinned(argv, args.client_cpu), capture_output=True, text=True, timeout=3600, check=False)
    line = next((x for x in r.stdout.splitlines() if x.startswith("LOADGEN_JSON ")), None)
    if line is None:
        raise RuntimeError(f"loadgen gave no result: rc={r.returncode} {r.stdout[-400:]} {r.stderr[-400:]}")
    d: dict[str, Any] = json.loads(line.removeprefix("LOADGEN_JSON "))
    d["client"] = "loadgen.py"
    d["uncounted_in_flight_max"] = 0  # it waits for every answer before it stops
    return d


class RssSampler(threading.Thread):
    """Samples the ingest's VmRSS every ``period`` seconds while the load runs."""

    def __init__(self, pid: int, period: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples: list[tuple[float, float]] = []
        self.stop_event = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop_event.wait(self.period):
            try:
                self.samples.append((time.monotonic() - self.t0, proc_mem_mb(self.pid)["VmRSS"]))
            except OSError:
                return


# ---------------------------------------------------------------------------------------------
# durability: flush, count, marker, raw bytes, SIGKILL + restart
# ---------------------------------------------------------------------------------------------
def post_marker(port: int, kind: str) -> tuple[str, bytes, int, bytes]:
    marker_id = uuid.uuid4().hex
    _, raw = payload.build_envelope(marker_id, message=f"bench marker {marker_id}")
    body, headers = payload.encode(raw, kind)
    status, resp = http_call(port, "POST", payload.ENVELOPE_PATH, body, headers)
    return marker_id, body, status, resp


def check_marker(port: int, marker_id: str, sent_body: bytes) -> tuple[bool, str]:
    found = http_json(port, "GET", f"/_gate/items?project={payload.PROJECT_ID}&event_id={marker_id}")["items"]
    if len(found) != 1:
        return False, f"marker: {len(found)} items for its event_id (want 1)"
    item = found[0]
    event = json.loads(base64.b64decode(item["payload_b64"]))
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    crumbs = event["breadcrumbs"]["values"]
    ok = item["event_id"] == marker_id == event["event_id"] and len(frames) == 10 and len(crumbs) == 3
    status, raw = http_call(port, "GET", f"/_gate/requests/{item['request_id']}/body")
    same = status == 200 and raw == sent_body
    return ok and same, (
        f"marker read back: type={item['type']} event_id {'ok' if ok else 'WRONG'}, {len(frames)} frames, "
        f"{len(crumbs)} breadcrumbs; raw body {'byte-identical' if same else 'DIFFERS'} ({len(raw)} B)"
    )


def durability(
    args: argparse.Namespace, ingest: IngestProcess, port: int, seen_2xx: int, slack: int
) -> tuple[dict[str, Any], IngestProcess]:
    out: dict[str, Any] = {}
    marker_id, marker_body, status, resp = post_marker(port, args.payload)
    out["marker_status"] = status
    marker_ok = status == 200 and json.loads(resp).get("id") == marker_id
    expected = seen_2xx + (1 if marker_ok else 0)
    t0 = time.monotonic()
    committed = http_json(port, "POST", "/_gate/flush")["committed"]
    out["flush_s"] = time.monotonic() - t0
    stats = http_json(port, "GET", "/_gate/stats")
    stored = stats["accepted"]
    items = stats["items_by_type"].get("event", 0)
    diff = stored - expected
    out.update(
        {
            "client_2xx": expected,
            "stored_2xx": stored,
            "stored_minus_client": diff,
            "allowed_extra": slack,
            "committed": committed,
            "rejected": stats["rejected"],
            "event_items": items,
        }
    )
    count_ok = 0 <= diff <= slack and items == stored and stats["rejected"] == 0
    marker_read_ok, note = check_marker(port, marker_id, marker_body)
    out["marker_note"] = note
    # SIGKILL (no graceful drain) and restart on the same folder: what was flushed must all be there.
    restart_ok = True
    if not args.no_restart_check:
        ingest.process.kill()
        ingest.process.wait(10)
        ingest = launch(args, Path(ingest.data))
        port2 = int(ingest.url.rsplit(":", 1)[1])
        stats2 = http_json(port2, "GET", "/_gate/stats")
        again_ok, _ = check_marker(port2, marker_id, marker_body)
        restart_ok = stats2["accepted"] == stored and again_ok
        out["after_sigkill_restart"] = {"stored_2xx": stats2["accepted"], "marker_ok": again_ok}
    out["ok"] = bool(marker_ok and count_ok and marker_read_ok and restart_ok)
    db = Path(ingest.data) / "ingest.sqlite3"
    out["db_mb"] = sum(p.stat().st_size for p in db.parent.glob("ingest.sqlite3*")) / 2**20
    return out, ingest


# ---------------------------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------------------------
def launch(args: argparse.Namespace, data: Path) -> IngestProcess:
    return start_ingest(
        data,
        projects=[(payload.PROJECT_ID, payload.PROJECT_KEY)],
        extra_args=["--durability", args.durability],
        cpu=None if args.no_pin else args.server_cpu,
    )


def one_run(args: argparse.Namespace, rep: int, bodies: dict[str, tuple[Path, str]]) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="sg-bench-", dir=args.data_root))
    body_file, encoding = bodies[args.payload]
    row: dict[str, Any] = {
        "mode": args.mode,
        "payload": args.payload,
        "durability": args.durability,
        "rep": rep,
        "connections": args.connections,
        "load_before": loadavg(),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "cpu_probe_ms": cpu_speed_ms(args.server_cpu),
    }
    ingest = launch(args, data)
    try:
        port = int(ingest.url.rsplit(":", 1)[1])
        url = f"http://127.0.0.1:{port}{payload.ENVELOPE_PATH}"
        use_wrk = args.mode == "throughput" and args.client in ("auto", "wrk") and shutil.which("wrk")
        if args.client == "wrk" and not use_wrk:
            raise SystemExit("--client wrk: wrk not found (apt-get install -y wrk)")

        def load(seconds: float, count: int = 0, rate: float = 0.0) -> dict[str, Any]:
            if use_wrk:
                return run_wrk(args, url, body_file, encoding, seconds)
            return run_loadgen(args, url, body_file, encoding, seconds=seconds, count=count, rate=rate)

        rate = args.rate if args.mode == "latency" else 0.0
        warm = load(args.warmup, rate=rate) if args.warmup > 0 else {"count_2xx": 0, "uncounted_in_flight_max": 0}
        sampler = RssSampler(ingest.pid)
        ticks0, cpu0 = per_cpu_ticks(), proc_cpu_s(ingest.pid)
        sampler.start()
        res = load(0, count=args.count) if args.mode == "memory" else load(args.duration, rate=rate)
        sampler.stop_event.set()
        cpu1, ticks1 = proc_cpu_s(ingest.pid), per_cpu_ticks()
        mem = proc_mem_mb(ingest.pid)
        secs = res["seconds"]
        cpus = busy_pct(ticks0, ticks1)
        server_pct = 100 * (cpu1 - cpu0) / secs
        server_core = f"cpu{args.server_cpu}"
        row.update(
            {
                "client": res["client"],
                "eps": res["rate_2xx"],
                "count_2xx": res["count_2xx"],
                "errors": res["errors"],
                "seconds": secs,
                "p50_ms": res["lat_p50_ms"],
                "p90_ms": res["lat_p90_ms"],
                "p99_ms": res["lat_p99_ms"],
                "max_ms": res["lat_max_ms"],
                "server_cpu_pct": server_pct,
                "client_cpu_pct": res["cpu_pct"],
                "cpu_busy_pct": cpus,
                "others_on_server_core_pct": max(0.0, cpus.get(server_core, 0.0) - server_pct),
                "rss_mb": mem["VmRSS"],
                "hwm_mb": mem["VmHWM"],
                "rss_samples": [round(v, 1) for _, v in sampler.samples],
                "warmup_2xx": warm["count_2xx"],
            }
        )
        if args.mode == "latency":
            row.update(
                {
                    "target_rate": rate,
                    "send_p50_ms": res["send_lat_p50_ms"],
                    "send_p99_ms": res["send_lat_p99_ms"],
                    "p99.9_ms": res["lat_p99.9_ms"],
                    "late_over_1ms": res["late_over_1ms"],
                }
            )
        slack = warm["uncounted_in_flight_max"] + res["uncounted_in_flight_max"]
        check, ingest = durability(args, ingest, port, warm["count_2xx"] + res["count_2xx"], slack)
        row["durability_check"] = check
        row["rss_after_flush_mb"] = (
            proc_mem_mb(ingest.pid)["VmRSS"] if args.no_restart_check else row["rss_mb"]
        )  # after a restart the new process's RSS says nothing about the load
        row["load_after"] = loadavg()
    finally:
        ingest.stop()
        if not args.keep_data:
            shutil.rmtree(data, ignore_errors=True)
        else:
            row["data"] = str(data)
    return row


def print_row(row: dict[str, Any]) -> None:
    d = row["durability_check"]
    cpus = ", ".join(f"{k} {v:.0f}%" for k, v in sorted(row["cpu_busy_pct"].items()))
    print(
        f"[{row['mode']} {row['payload']} durability={row['durability']} rep {row['rep']}] "
        f"load {row['load_before']} -> {row['load_after']}; CPU probe {row['cpu_probe_ms']:.0f} ms",
        flush=True,
    )
    rate = f" (target {row['target_rate']:g}/s)" if "target_rate" in row else ""
    print(
        f"  accepted {row['eps']:,.0f} envelopes/s{rate} over {row['seconds']:.1f} s "
        f"({row['count_2xx']:,} x 2xx, {row['errors']} errors, client {row['client']})"
    )
    if "target_rate" in row:
        print(
            f"  accept latency from due time p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  "
            f"p99.9 {row['p99.9_ms']:.2f} ms  max {row['max_ms']:.1f} ms; from send p50 {row['send_p50_ms']:.2f}"
            f"  p99 {row['send_p99_ms']:.2f} ms; {row['late_over_1ms']} sends > 1 ms late"
        )
    else:
        print(
            f"  accept latency p50 {row['p50_ms']:.2f} ms  p90 {row['p90_ms']:.2f} ms  "
            f"p99 {row['p99_ms']:.2f} ms  max {row['max_ms']:.1f} ms"
        )
    print(
        f"  ingest CPU {row['server_cpu_pct']:.0f}% (others on its core {row['others_on_server_core_pct']:.0f}%), "
        f"client CPU {row['client_cpu_pct']:.0f}%; machine: {cpus}"
    )
    print(
        f"  ingest RSS {row['rss_mb']:.0f} MB after the load (peak {row['hwm_mb']:.0f} MB); "
        f"store {d['db_mb']:.0f} MB on disk"
    )
    restart = d.get("after_sigkill_restart")
    restart_note = (
        f"; after SIGKILL + restart {restart['stored_2xx']:,} stored, marker {'ok' if restart['marker_ok'] else 'LOST'}"
        if restart
        else ""
    )
    print(
        f"  durability {'OK' if d['ok'] else 'FAILED'}: client saw {d['client_2xx']:,} x 2xx, stored "
        f"{d['stored_2xx']:,} (+{d['stored_minus_client']}, allowed 0..{d['allowed_extra']}), "
        f"{d['event_items']:,} event items, flush {d['flush_s'] * 1000:.0f} ms{restart_note}"
    )
    print(f"  {d['marker_note']}", flush=True)


def summarize(rows: list[dict[str, Any]]) -> None:
    if len(rows) < 2:
        return
    med = {k: statistics.median(r[k] for r in rows) for k in ("eps", "p50_ms", "p99_ms", "rss_mb", "server_cpu_pct")}
    print(
        f"median of {len(rows)}: {med['eps']:,.0f} envelopes/s, p50 {med['p50_ms']:.2f} ms, p99 {med['p99_ms']:.2f} ms,"
        f" RSS {med['rss_mb']:.0f} MB, ingest CPU {med['server_cpu_pct']:.0f}%; runs: "
        + ", ".join(f"{r['eps']:,.0f}" for r in rows)
        + "; durability "
        + ("all OK" if all(r["durability_check"]["ok"] for r in rows) else "FAILED in some run"),
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("throughput", "latency", "memory"), default="throughput")
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds (throughput, latency)")
    ap.add_argument(
        "--warmup", type=float, default=None, help="warm-up seconds before the measured window (default 2; memory 0)"
    )
    ap.add_argument("--rate", type=float, default=500.0, help="requests/s of the open loop (latency mode)")
    ap.add_argument("--count", type=int, default=100_000, help="envelopes to send (memory mode)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--payload", choices=("gzip", "plain"), default="gzip")
    ap.add_argument("--durability", choices=("normal", "full"), default="normal")
    ap.add_argument("--client", choices=("auto", "wrk", "loadgen"), default="auto", help="throughput load generator")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--no-pin", action="store_true", help="no taskset (machines with one core)")
    ap.add_argument("--no-restart-check", action="store_true", help="skip the SIGKILL + restart read-back")
    ap.add_argument("--data-root", default=None, help="where the per-run data folders go (default: TMPDIR)")
    ap.add_argument("--keep-data", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="append one JSON line per run to this file")
    args = ap.parse_args()
    if args.warmup is None:
        args.warmup = 0.0 if args.mode == "memory" else 2.0
    if args.no_pin:
        args.server_cpu = args.client_cpu = None
    else:
        os.sched_setaffinity(0, {args.client_cpu})  # this script stays off the ingest's core

    info = versions()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}; load {loadavg()}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("cpu", "nproc", "kernel")))
    print(f"payload: {payload.check_against_peers_bench()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="sg-bench-bodies-"))
    bodies: dict[str, tuple[Path, str]] = {}
    for kind in ("plain", "gzip"):
        body, headers = payload.bench_body(kind)
        path = tmp / f"envelope_{kind}.bin"
        path.write_bytes(body)
        bodies[kind] = (path, headers.get("Content-Encoding", ""))
    rows = []
    try:
        for rep in range(1, args.reps + 1):
            row = one_run(args, rep, bodies)
            row["versions"] = info
            rows.append(row)
            print_row(row)
            if args.out is not None:
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summarize(rows)
    return 0 if all(r["durability_check"]["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
