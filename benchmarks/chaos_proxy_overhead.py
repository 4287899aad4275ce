"""Fault proxy overhead with no toxic: real HTTP servers, real keep-alive clients, direct vs through the proxy.

For each server, on 127.0.0.1 only:

- the server: **uvicorn** (httptools, uvloop) serving a small ASGI app, and **Node's ``http``** module,
  each answering ``GET /monitoring/health`` with a 20-byte JSON body, as the bundled targets do;
- the proxy as users run it: ``python -m harness.cli chaos proxy --upstream …`` (``sentry-gate chaos
  proxy``), its own process and event loop, no toxic;
- the clients, each over long-lived keep-alive connections, one to the server and one to the proxy:
  ``http.client`` in this process (``--connections`` pairs), and Locust's ``HttpUser`` (requests)
  in a Locust subprocess (``--locust-users`` users; Locust is never imported here, it monkey-patches
  the standard library with gevent).

Every connection first carries ``--warmup`` requests (not measured: the issue-13 stall only showed
once a connection had carried about a hundred), then ``--requests`` measured ones in rounds of
``--round``: direct then proxied, then proxied then direct (ABBA), on the same two connections, so
drift in the machine's load hits both arms alike. Latency is the client's request → whole response
time (Locust's own ``response_time`` for Locust). Reported: p50, p90 and p99 direct and through the
proxy, pooled over connections, and what the proxy adds, with a 95% interval for the added p90 (a
bootstrap over round pairs). The budget (issue 13) is at most 0.5 ms added to p90: PASS when the
interval's upper end is within it, FAIL when its lower end is beyond it, else INCONCLUSIVE.

    .venv/bin/python benchmarks/chaos_proxy_overhead.py                       # both servers, both clients
    .venv/bin/python benchmarks/chaos_proxy_overhead.py --servers node --clients locust --locust-pacing-ms 0
    .venv/bin/python benchmarks/chaos_proxy_overhead.py --clients http.client --think-ms 20   # idle between requests
    git archive <rev> harness | tar -x -C /tmp/old && \\
        .venv/bin/python benchmarks/chaos_proxy_overhead.py --proxy-tree /tmp/old   # another proxy build

``--load-aa`` runs the other acceptance check instead: the server overhead gate (``sentry-gate load
--baseline URL --instrumented URL``, Locust's open model, interleaved blocks) with the bundled python
target (Sentry off, its fake Spotify) as the baseline and the same process through the proxy as the
"instrumented" arm: an A/A comparison whose only difference is the proxy, which must PASS the 2%
latency budget. The target is pinned to the target core as the load rig pins it; the proxy goes with
Locust and the fake Spotify on the load core (``--aa-proxy-cpu N`` to pin it elsewhere, -1 not at all).

    .venv/bin/python benchmarks/chaos_proxy_overhead.py --load-aa --aa-out /tmp/proxy-aa

Exit code: 1 when a cell FAILs, 2 when something did not start or failed, else 0 (an INCONCLUSIVE cell
is printed, not an error: ``make bench`` runs this). ``--load-aa`` exits with the gate's own code (0
pass, 1 fail, 3 inconclusive), or 2 when the gate reached no latency verdict.
Every process started here runs in its own process group and is stopped (TERM, then KILL) whatever
happens; every wait is on a condition with a deadline.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.settings import AppVariables

BUDGET_P90_MS = 0.5
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HOST = "127.0.0.1"
PATH = "/monitoring/health"
START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0
LOCUST_STARTUP_S = 30.0  # gevent + locust import on a loaded 2-core machine
ARMS = ("direct", "proxy")

# ---------------------------------------------------------------------------------------------
# the servers: each prints "READY 127.0.0.1:<port>" once it accepts connections
# ---------------------------------------------------------------------------------------------
UVICORN_SERVER = r"""
import uvicorn

BODY = b'{"status":"healthy"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


class Server(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets)
        if self.started:
            print("READY 127.0.0.1:%d" % self.servers[0].sockets[0].getsockname()[1], flush=True)


Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                      lifespan="off", timeout_keep_alive=120)).run()
"""

NODE_SERVER = r"""
const http = require('http');
const body = JSON.stringify({ status: 'healthy' });
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(0, '127.0.0.1', () => console.log(`READY 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
"""

SERVERS = {
    "uvicorn": [sys.executable, "-c", UVICORN_SERVER],
    "node": ["node", "-e", NODE_SERVER],
}

# ---------------------------------------------------------------------------------------------
# the Locust side: a locustfile written to a temporary directory, run by `python -m locust`
# ---------------------------------------------------------------------------------------------
LOCUSTFILE = r'''
"""Each user: warm up one keep-alive connection per arm, then ABBA rounds; samples from Locust's request event."""
import itertools
import json
import os
import time

import gevent
from locust import HttpUser, constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

BASES = {"direct": os.environ["BENCH_DIRECT"], "proxy": os.environ["BENCH_PROXY"]}
PATH = os.environ["BENCH_PATH"]
WARMUP = int(os.environ["BENCH_WARMUP"])
ROUNDS = int(os.environ["BENCH_ROUNDS"])
ROUND = int(os.environ["BENCH_ROUND"])
USERS = int(os.environ["BENCH_USERS"])
OUT = os.environ["BENCH_OUT"]
PACING_S = float(os.environ["BENCH_PACING_MS"]) / 1000
_samples = []
_failures = []
_done = []
_ids = itertools.count()


@events.request.add_listener
def _record(*, name, response_time, exception, context, **_):
    if exception is not None:
        _failures.append(f"{name}: {exception!r}")
    elif "arm" in context:
        _samples.append([context["user"], context["arm"], context["round"], response_time])


class Bench(FastHttpUser if os.environ.get("BENCH_USER") == "fast" else HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.index = next(_ids)
        self.due = time.monotonic()

    def get(self, url, **kwargs):
        # Paced as Locust's constant_pacing paces tasks: one request every PACING_S, whatever it took.
        self.client.get(url, **kwargs)
        if PACING_S > 0:
            self.due = max(self.due + PACING_S, time.monotonic() - PACING_S)
            gevent.sleep(max(0.0, self.due - time.monotonic()))

    @task
    def measure(self):
        for arm, base in BASES.items():
            for _ in range(WARMUP):
                self.get(base + PATH, name=f"warm-up {arm}")
        for r in range(ROUNDS):
            order = ("direct", "proxy") if (r + self.index) % 2 == 0 else ("proxy", "direct")
            for arm in order:
                for _ in range(ROUND):
                    context = {"arm": arm, "round": r, "user": self.index}
                    self.get(BASES[arm] + PATH, name=arm, context=context)
        _done.append(self.index)
        if len(_done) == USERS:
            with open(OUT + ".tmp", "w") as fh:
                json.dump({"samples": _samples, "failures": _failures}, fh)
            os.replace(OUT + ".tmp", OUT)
            gevent.spawn(self.environment.runner.quit)
        raise StopUser()
'''


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------
@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    out: bytearray = field(default_factory=bytearray)

    def read_until(self, pattern: bytes, deadline: float) -> re.Match[bytes]:
        """Read stdout until ``pattern`` matches a whole line, the process exits, or the deadline passes."""
        stdout = self.proc.stdout
        assert stdout is not None
        fd = stdout.fileno()
        while True:
            for line in bytes(self.out).splitlines(keepends=True):
                if line.endswith(b"\n") and (match := re.match(pattern, line)):
                    return match
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{self.name}: no {pattern!r} line in time\n{self.tail()}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    raise RuntimeError(f"{self.name} exited ({self.proc.wait()}) before {pattern!r}\n{self.tail()}")
                self.out += data

    def drain(self, deadline: float) -> None:
        """Keep what is left on stdout, up to EOF (the process is gone) or the deadline."""
        stdout = self.proc.stdout
        if stdout is None or stdout.closed:
            return
        fd = stdout.fileno()
        while (left := deadline - time.monotonic()) > 0 and select.select([fd], [], [], left)[0]:
            data = os.read(fd, 65536)
            if not data:
                return
            self.out += data

    def tail(self) -> str:
        text = self.out.decode(errors="replace")
        with contextlib.suppress(OSError):
            text += self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-30:])


def _stop(child: Child) -> None:
    """TERM the child's process group, KILL it if it outlives the deadline; never raises for a gone process.

    The group is only signalled while its leader (our child) has not been reaped, so the signal can never
    reach a later process that was given the same id."""
    proc = child.proc
    for sig, wait in ((signal.SIGTERM, STOP_DEADLINE_S), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
    if proc.stdout is not None:
        child.drain(time.monotonic() + 2.0)
        proc.stdout.close()


@contextlib.contextmanager
def started(
    name: str,
    argv: Sequence[str],
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    stdout: bool = True,
    cwd: Path = REPO,
) -> Iterator[Child]:
    log = workdir / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout else fh,
            stderr=fh,
            start_new_session=True,
        )
    child = Child(name, proc, log)
    try:
        yield child
    finally:
        _stop(child)


def _address(match: re.Match[bytes]) -> tuple[str, int]:
    host, port = match.group(1).decode().rsplit(":", 1)
    if host != HOST:
        raise RuntimeError(f"refusing a non-loopback address {host}")
    return host, int(port)


def _hostport(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


# ---------------------------------------------------------------------------------------------
# clients
# ---------------------------------------------------------------------------------------------
Samples = dict[tuple[int, int], dict[str, list[float]]]
"""(connection or user, round) → arm → latencies in ms."""


def _get(conn: http.client.HTTPConnection) -> float:
    start = time.perf_counter_ns()
    conn.request("GET", PATH)
    response = conn.getresponse()
    response.read()
    took = (time.perf_counter_ns() - start) / 1e6
    if response.status != 200 or response.will_close:
        raise RuntimeError(f"unexpected answer {response.status} (will_close={response.will_close})")
    return took


def run_http_client(
    addresses: dict[str, tuple[str, int]],
    connections: int,
    warmup: int,
    rounds: int,
    per_round: int,
    think_s: float = 0.0,
) -> Samples:
    """Back to back, or with ``think_s`` idle before each measured request (a client that is not a loop)."""
    samples: Samples = {}

    def measured(conn: http.client.HTTPConnection) -> float:
        if think_s > 0:
            time.sleep(think_s)  # think time, not synchronisation: the request after it is what is timed
        return _get(conn)

    for c in range(connections):
        conns = {arm: http.client.HTTPConnection(*addresses[arm], timeout=10) for arm in ARMS}
        try:
            for arm in ARMS:
                for _ in range(warmup):
                    _get(conns[arm])
            for r in range(rounds):
                cell = samples.setdefault((c, r), {arm: [] for arm in ARMS})
                order = ARMS if (r + c) % 2 == 0 else ARMS[::-1]
                for arm in order:
                    cell[arm].extend(measured(conns[arm]) for _ in range(per_round))
        finally:
            for conn in conns.values():
                conn.close()
    return samples


def run_locust(
    addresses: dict[str, tuple[str, int]],
    users: int,
    warmup: int,
    rounds: int,
    per_round: int,
    workdir: Path,
    tag: str,
    user_class: str,
    pacing_ms: float,
) -> Samples:
    locustfile = workdir / "bench_locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    out = workdir / f"locust-{tag}.json"
    requests_per_user = 2 * (warmup + rounds * per_round)
    budget_s = LOCUST_STARTUP_S + max(60.0, requests_per_user * (0.02 + pacing_ms / 1000))  # 20 ms a request
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", AppVariables.PREFIX))}
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "BENCH_DIRECT": f"http://{_hostport(addresses['direct'])}",
            "BENCH_PROXY": f"http://{_hostport(addresses['proxy'])}",
            "BENCH_PATH": PATH,
            "BENCH_WARMUP": str(warmup),
            "BENCH_ROUNDS": str(rounds),
            "BENCH_ROUND": str(per_round),
            "BENCH_USERS": str(users),
            "BENCH_USER": user_class,
            "BENCH_PACING_MS": str(pacing_ms),
            "BENCH_OUT": str(out),
        }
    )
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--host",
        env["BENCH_DIRECT"],
        "-u",
        str(users),
        "-r",
        str(users),
        "--run-time",
        f"{math.ceil(budget_s)}s",
        "--stop-timeout",
        "5",
    ]
    deadline = time.monotonic() + budget_s + 30
    with started(f"locust-{tag}", argv, workdir, env=env, stdout=False) as child:
        try:
            child.proc.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"Locust overran its deadline\n{child.tail()}") from None
    if not out.exists():
        raise RuntimeError(f"Locust finished without writing its samples\n{child.tail()}")
    data = json.loads(out.read_text())
    if data["failures"]:
        raise RuntimeError(f"Locust requests failed: {data['failures'][:5]}")
    samples: Samples = {}
    for user, arm, r, ms in data["samples"]:
        samples.setdefault((user, r), {a: [] for a in ARMS})[arm].append(float(ms))
    return samples


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------
QUANTILES = (0.50, 0.90, 0.99)


def pct(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def summarise(samples: Samples, *, resamples: int, seed: int) -> dict[str, Any]:
    pooled = {arm: sorted(v for cell in samples.values() for v in cell[arm]) for arm in ARMS}
    out: dict[str, Any] = {"n": {arm: len(pooled[arm]) for arm in ARMS}, "round_pairs": len(samples)}
    for arm in ARMS:
        out[arm] = {f"p{round(q * 100)}": pct(pooled[arm], q) for q in QUANTILES}
    out["added"] = {k: out["proxy"][k] - out["direct"][k] for k in out["direct"]}
    # Bootstrap over round pairs (direct and proxied rounds taken side by side stay together).
    rng = random.Random(seed)
    keys = list(samples)
    added_p90 = []
    for _ in range(resamples):
        pick = [keys[rng.randrange(len(keys))] for _ in keys]
        p90 = {arm: pct(sorted(v for k in pick for v in samples[k][arm]), 0.90) for arm in ARMS}
        added_p90.append(p90["proxy"] - p90["direct"])
    added_p90.sort()
    low, high = pct(added_p90, 0.025), pct(added_p90, 0.975)
    out["added_p90_ci95"] = [low, high]
    out["verdict"] = "PASS" if high <= BUDGET_P90_MS else "FAIL" if low > BUDGET_P90_MS else "INCONCLUSIVE"
    return out


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------
def bench_server(server: str, args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    rounds = args.requests // args.round
    results: dict[str, Any] = {}
    # `python -m` puts its working directory first on sys.path: run the proxy from the tree to measure.
    proxy_tree = args.proxy_tree.resolve() if args.proxy_tree else REPO
    deadline = time.monotonic() + START_DEADLINE_S
    with started(server, SERVERS[server], workdir) as upstream:
        direct = _address(upstream.read_until(rb"READY (\S+)\r?\n", deadline))
        proxy_argv = [sys.executable, "-m", "harness.cli", "chaos", "proxy", "--upstream", _hostport(direct)]
        with started(f"proxy-{server}", proxy_argv, workdir, cwd=proxy_tree) as proxy:
            proxied = _address(proxy.read_until(rb"READY (\S+) ", deadline))
            addresses = {"direct": direct, "proxy": proxied}
            expected_connections = 0
            if "http.client" in args.clients:
                samples = run_http_client(
                    addresses, args.connections, args.warmup, rounds, args.round, args.think_ms / 1000
                )
                results["http.client"] = summarise(samples, resamples=args.resamples, seed=args.seed)
                expected_connections += args.connections
            if "locust" in args.clients:
                samples = run_locust(
                    addresses,
                    args.locust_users,
                    args.warmup,
                    rounds,
                    args.round,
                    workdir,
                    server,
                    args.locust_user,
                    args.locust_pacing_ms,
                )
                results["locust"] = summarise(samples, resamples=args.resamples, seed=args.seed)
                expected_connections += args.locust_users
        stopped = re.search(rb"STOPPED accepted=(\d+)", bytes(proxy.out))
    accepted = int(stopped.group(1)) if stopped else None
    return results, {"accepted": accepted, "expected": expected_connections}


def load_aa(args: argparse.Namespace) -> int:
    """The python target direct (A) and through the proxy (B) under ``sentry-gate load``; its exit code."""
    from harness.load.rig import pick_cores, pin_process
    from harness.targets.launcher import start_target
    from harness.targets.options import TargetOptions
    from harness.targets.spotify import FakeSpotify

    cores = pick_cores()
    proxy_cpu = cores.load if args.aa_proxy_cpu is None else None if args.aa_proxy_cpu < 0 else args.aa_proxy_cpu
    out: Path = args.aa_out
    out.mkdir(parents=True, exist_ok=True)
    logs = out / "aa-logs"
    logs.mkdir(parents=True, exist_ok=True)
    gate_argv = [
        sys.executable,
        "-m",
        "harness.cli",
        "load",
        "--pairs",
        str(args.aa_pairs),
        "--block-seconds",
        str(args.aa_block_seconds),
        "--out",
        str(out),
    ]
    # Pairs x 2 blocks, each with its warm-up, plus capacity, Locust start-ups and slack.
    deadline_s = args.aa_pairs * 2 * (args.aa_block_seconds + 3.0) * 2 + 300.0
    with contextlib.ExitStack() as stack:
        spotify = FakeSpotify.start(logs / "spotify", latency_ms=20)
        stack.callback(spotify.stop)
        pin_process(spotify.process.popen.pid, cores.load)
        options = TargetOptions(server_dsn=None, browser_dsn=None, fault_token=None)
        target = start_target("python-api", options, logs / "target", spotify_url=spotify.url)
        stack.callback(target.stop)
        if target.process is not None:
            pin_process(target.process.popen.pid, cores.target)
        upstream = target.url.removeprefix("http://").rstrip("/")
        proxy_argv = [sys.executable, "-m", "harness.cli", "chaos", "proxy", "--upstream", upstream]
        proxy = stack.enter_context(started("proxy-aa", proxy_argv, logs, cwd=args.proxy_tree or REPO))
        proxied = _address(proxy.read_until(rb"READY (\S+) ", time.monotonic() + START_DEADLINE_S))
        pin_process(proxy.proc.pid, proxy_cpu)
        argv = [*gate_argv, "--baseline", target.url, "--instrumented", f"http://{_hostport(proxied)}"]
        print(
            f"A: {target.url} (python-api, Sentry off, CPU {cores.target}); B: the same through the proxy "
            f"http://{_hostport(proxied)} (CPU {'any' if proxy_cpu is None else proxy_cpu}); "
            f"Locust on CPU {cores.load}",
            flush=True,
        )
        gate = stack.enter_context(started("load-gate", argv, logs, stdout=False))
        try:
            gate.proc.wait(deadline_s)
        except subprocess.TimeoutExpired:
            print(f"the gate overran {deadline_s:.0f} s\n{gate.tail()}", file=sys.stderr)
            return 2
    text = gate.log.read_text(errors="replace")
    print(text.rstrip())
    stopped = re.search(rb"STOPPED accepted=(\d+)", bytes(proxy.out))
    print(f"proxy accepted {stopped.group(1).decode() if stopped else '?'} connections")
    if "performance.overhead.server-latency" not in text:
        return 2  # the gate did not reach a verdict (it crashed or could not run): not a FAIL
    return gate.proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="uvicorn,node", help="comma-separated: uvicorn, node")
    parser.add_argument("--clients", default="http.client,locust", help="comma-separated: http.client, locust")
    parser.add_argument("--connections", type=int, default=4, help="http.client connection pairs (run one by one)")
    parser.add_argument("--locust-users", type=int, default=4, help="Locust users (a connection pair each)")
    parser.add_argument("--locust-user", choices=("http", "fast"), default="http", help="HttpUser or FastHttpUser")
    parser.add_argument(
        "--locust-pacing-ms", type=float, default=10.0, help="one request per user every N ms (0: back to back)"
    )
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="http.client: idle this long before each measured request"
    )
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests per connection first")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per connection")
    parser.add_argument("--round", type=int, default=50, help="requests per round (ABBA order of rounds)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples for the p90 interval")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--proxy-tree", type=Path, default=None, help="run the proxy from this source tree")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    aa = parser.add_argument_group("the A/A comparison under the load gate (--load-aa)")
    aa.add_argument("--load-aa", action="store_true", help="run the A/A comparison instead of the table")
    aa.add_argument("--aa-out", type=Path, default=Path("reports/proxy-aa"), help="the gate's --out")
    aa.add_argument("--aa-pairs", type=int, default=10, help="the gate's --pairs")
    aa.add_argument("--aa-block-seconds", type=float, default=5.0, help="the gate's --block-seconds")
    aa.add_argument(
        "--aa-proxy-cpu", type=int, default=None, help="pin the proxy here (default: the load core; -1: not pinned)"
    )
    args = parser.parse_args()
    if args.load_aa:
        return load_aa(args)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    args.clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    if unknown := (set(args.servers) - set(SERVERS)) | (set(args.clients) - {"http.client", "locust"}):
        parser.error(f"unknown server or client: {', '.join(sorted(unknown))}")
    if args.requests < args.round or args.round < 1 or args.requests % args.round:
        parser.error("--requests must be a positive multiple of --round")
    if "node" in args.servers and shutil.which("node") is None:
        parser.error("node is not on PATH")

    load_before = os.getloadavg()[0]
    started_at = time.monotonic()
    figures: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "settings": {}, "results": {}, "connections": {}}
    figures["settings"] = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in vars(args).items()
        if k not in {"json"}  # where the figures go is not a setting of the measurement
    }
    try:
        with tempfile.TemporaryDirectory(prefix="chaos-proxy-bench-") as tmp:
            for server in args.servers:
                results, connections = bench_server(server, args, Path(tmp))
                figures["results"][server] = results
                figures["connections"][server] = connections
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    figures["seconds"] = time.monotonic() - started_at
    load_after = os.getloadavg()[0]
    figures["machine"]["loadavg_1min"] = [load_before, load_after]

    print(
        f"fault proxy overhead, no toxic, keep-alive HTTP on loopback ({os.cpu_count()} CPUs; "
        f"1-min load {load_before:.2f} → {load_after:.2f}; {figures['seconds']:.0f} s)"
    )
    clients = []
    if "http.client" in args.clients:
        think = f" ({args.think_ms:g} ms think time)" if args.think_ms else ""
        clients.append(f"http.client {args.connections} connection pairs{think}")
    if "locust" in args.clients:
        user = "FastHttpUser" if args.locust_user == "fast" else "HttpUser"
        pacing = f"paced at one request per {args.locust_pacing_ms:g} ms each" if args.locust_pacing_ms else "unpaced"
        clients.append(f"Locust {args.locust_users} {user}s {pacing}")
    print(
        f"each connection: {args.warmup} warm-up requests, then {args.requests} measured in ABBA rounds of "
        f"{args.round}; {', '.join(clients)}"
    )
    header = f"{'server':<8} {'client':<12} {'n/arm':>6}  {'direct p50/p90/p99 ms':>23}  {'proxy p50/p90/p99 ms':>23}"
    print(header + f"  {'added p50/p90/p99 ms':>26}  {'added p90 95% CI':>17}  verdict")
    verdicts = []
    for server, per_client in figures["results"].items():
        for client, s in per_client.items():
            d, p, a = s["direct"], s["proxy"], s["added"]
            low, high = s["added_p90_ci95"]
            trio = "{p50:7.3f} {p90:7.3f} {p99:7.3f}"
            print(
                f"{server:<8} {client:<12} {s['n']['direct']:>6}  {trio.format(**d):>23}  {trio.format(**p):>23}  "
                f"{'{p50:+8.3f} {p90:+8.3f} {p99:+8.3f}'.format(**a):>26}  {f'{low:+.3f}..{high:+.3f}':>17}  "
                f"{s['verdict']}"
            )
            verdicts.append(s["verdict"])
    for server, c in figures["connections"].items():
        note = "" if c["accepted"] == c["expected"] else "  (connections were reopened: not all keep-alive)"
        print(f"proxy in front of {server}: accepted {c['accepted']} connections, {c['expected']} expected{note}")
    print(f"budget (issue 13): the proxy adds at most {BUDGET_P90_MS} ms to p90 with no toxic")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 1 if "FAIL" in verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
