"""``sentry-gate chaos proxy|toxics``: run a fault proxy from a shell, or list the toxics and their attributes.

``chaos proxy --upstream 127.0.0.1:8080 --toxic latency:latency=200,jitter=50`` listens on a free
loopback port, prints ``READY 127.0.0.1:<port> upstream=127.0.0.1:8080 name=<name>`` and one
``TOXIC …`` line per toxic, and serves until Ctrl-C/SIGTERM. With ``--control stdin`` it also takes
one command per line on stdin (``add SPEC``, ``update NAME KEY=VALUE,…``, ``remove NAME``,
``disable``, ``enable``, ``reset``, ``list``, ``stats``) and answers each with one ``OK …`` or ``ERR …`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from harness.chaos.proxy import FaultProxy, ProxyError
from harness.chaos.spec import Direction, parse_toxic_spec
from harness.chaos.toxics import TOXIC_TYPES, make_toxic, toxic_attributes
from harness.errors import UsageError


def register(sub: Any) -> None:
    chaos = sub.add_parser("chaos", help="the TCP fault proxy (Toxiproxy's toxics)")
    csub = chaos.add_subparsers(dest="chaos_command", required=True)

    p = csub.add_parser("proxy", help="proxy one upstream with toxics; prints one READY line, serves until SIGTERM")
    p.add_argument("--upstream", required=True, metavar="HOST:PORT", help="where connections are forwarded")
    p.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT", help="default: loopback, a free port")
    p.add_argument("--name", default=None, help="proxy name shown in messages")
    p.add_argument(
        "--toxic",
        action="append",
        default=[],
        metavar="TYPE:KEY=VALUE,...",
        help="a toxic, e.g. latency:latency=200,jitter=50 (keys: its attributes, stream, toxicity, name); repeatable",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for toxicity and jitter draws (reproducible runs)")
    p.add_argument("--disabled", action="store_true", help="start disabled (connections refused) until 'enable'")
    p.add_argument("--control", choices=("none", "stdin"), default="none", help="take commands on stdin")
    p.set_defaults(handler=_proxy)

    t = csub.add_parser("toxics", help="list the toxic types, their attributes and units")
    t.set_defaults(handler=_toxics)


_UNITS = {
    ("latency", "latency"): "ms",
    ("latency", "jitter"): "ms",
    ("bandwidth", "rate"): "KB/s",
    ("slow_close", "delay"): "ms",
    ("timeout", "timeout"): "ms, 0 = never close",
    ("reset_peer", "timeout"): "ms",
    ("slicer", "average_size"): "bytes",
    ("slicer", "size_variation"): "bytes",
    ("slicer", "delay"): "µs",
    ("limit_data", "bytes"): "bytes",
}


def _toxics(args: argparse.Namespace) -> int:
    for kind in sorted(TOXIC_TYPES):
        if kind == "noop":
            continue
        attrs = toxic_attributes(make_toxic(kind))
        shown = ", ".join(f"{name}={value} ({_UNITS.get((kind, name), '')})" for name, value in attrs.items())
        print(f"{kind}: {shown}")
    print("every toxic: stream=upstream|downstream (default downstream), toxicity=0..1 (default 1), name=…")
    return 0


def _proxy(args: argparse.Namespace) -> int:
    try:
        specs = [parse_toxic_spec(text) for text in args.toxic]
        proxy = FaultProxy(args.upstream, listen=args.listen, name=args.name, seed=args.seed)
    except ValueError as exc:  # a toxic spec or an address the user typed
        raise UsageError(str(exc)) from exc
    return asyncio.run(_serve(proxy, specs, disabled=args.disabled, control=args.control, out=sys.stdout))


async def _serve(proxy: FaultProxy, specs: list[Any], *, disabled: bool, control: str, out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for spec in specs:
            await proxy.add_toxic(spec)
        await proxy.start()
        if disabled:
            await proxy.disable()
        _say(out, f"READY {proxy.listen} upstream={proxy.upstream} name={proxy.name}")
        for spec in proxy.toxics():
            _say(out, f"TOXIC {spec}")
        if control == "stdin":
            _start_stdin_control(proxy, loop, stop, out)
        await stop.wait()
    finally:
        await proxy.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    s = proxy.stats()
    _say(
        out,
        f"STOPPED accepted={s.accepted} upstream_failures={s.upstream_failures} "
        f"bytes_up={s.bytes_written[Direction.UPSTREAM]} bytes_down={s.bytes_written[Direction.DOWNSTREAM]}",
    )
    for error in proxy.errors:
        print(error, file=sys.stderr)
    return 1 if proxy.errors else 0


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _start_stdin_control(proxy: FaultProxy, loop: asyncio.AbstractEventLoop, stop: asyncio.Event, out: TextIO) -> None:
    def read_lines() -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            future = asyncio.run_coroutine_threadsafe(_command(proxy, line.strip()), loop)
            try:
                _say(out, future.result())
            except RuntimeError:  # the loop is gone: we are shutting down
                return

    # A daemon thread: a blocking read of stdin cannot be cancelled, and must not keep the process alive.
    threading.Thread(target=read_lines, name="chaos-stdin-control", daemon=True).start()


async def _command(proxy: FaultProxy, line: str) -> str:
    verb, _, rest = line.partition(" ")
    rest = rest.strip()
    try:
        if verb == "add":
            return f"OK {await proxy.add_toxic(parse_toxic_spec(rest))}"
        if verb == "update":
            name, _, attrs = rest.partition(" ")
            toxicity: float | None = None
            attributes: dict[str, int] = {}
            for part in filter(None, (p.strip() for p in attrs.split(","))):
                key, _, value = part.partition("=")
                if key == "toxicity":
                    toxicity = float(value)
                else:
                    attributes[key] = int(value)
            return f"OK {await proxy.update_toxic(name, toxicity=toxicity, attributes=attributes)}"
        if verb == "remove":
            await proxy.remove_toxic(rest)
            return f"OK removed {rest}"
        if verb == "disable":
            await proxy.disable()
            return "OK disabled"
        if verb == "enable":
            await proxy.enable()
            return f"OK enabled {proxy.listen}"
        if verb == "reset":
            await proxy.reset()
            return "OK reset"
        if verb == "list":
            return "OK " + ("; ".join(str(s) for s in proxy.toxics()) or "no toxics")
        if verb == "stats":
            s = proxy.stats()
            return f"OK accepted={s.accepted} active={s.active} upstream_failures={s.upstream_failures}"
    except (ProxyError, ValueError) as exc:
        return f"ERR {exc}"
    return f"ERR unknown command {verb!r} (add, update, remove, disable, enable, reset, list, stats)"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harness.cli.chaos_cmd proxy …``: the sub-command on its own."""
    parser = argparse.ArgumentParser(prog="sentry-gate")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["chaos", *(sys.argv[1:] if argv is None else argv)])
    try:
        code: int = args.handler(args)
    except UsageError as exc:
        print(f"sentry-gate: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
