"""``sentry-gate chaos``: the READY line, toxics from the command line, run-time commands on stdin, clean exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from queue import Empty, Queue

import pytest

from harness.cli.chaos_cmd import main
from tests.chaos.loopback import EchoServer, connect, recv_exactly

DEADLINE_S = 15.0


class ProxyProcess:
    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli.chaos_cmd", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: Queue[str] = Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = DEADLINE_S) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except Empty:
            raise AssertionError(f"no output within {timeout} s; stderr: {self.stop_and_stderr()}") from None

    def command(self, text: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.next_line()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(DEADLINE_S)
        self._reader.join(DEADLINE_S)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code

    def stop_and_stderr(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(DEADLINE_S)
        return self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture
def spawn() -> Iterator[list[ProxyProcess]]:
    started: list[ProxyProcess] = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.stop()


def _address(ready: str) -> tuple[str, int]:
    assert ready.startswith("READY 127.0.0.1:"), ready
    host, port = ready.split()[1].rsplit(":", 1)
    return host, int(port)


def test_proxy_prints_ready_applies_toxics_and_takes_commands(
    echo_server: EchoServer, spawn: list[ProxyProcess]
) -> None:
    host, port = echo_server.address
    p = ProxyProcess(
        [
            "proxy",
            "--upstream",
            f"{host}:{port}",
            "--name",
            "spotify",
            "--toxic",
            "latency:latency=150,jitter=10,stream=upstream",
            "--control",
            "stdin",
        ]
    )
    spawn.append(p)
    ready = p.next_line()
    assert ready.endswith(f"upstream={host}:{port} name=spotify")
    assert p.next_line() == "TOXIC latency_upstream latency:latency=150,jitter=10 stream=upstream toxicity=1"
    address = _address(ready)

    with connect(address) as sock:
        start = time.monotonic()
        sock.sendall(b"hi")
        assert recv_exactly(sock, 2) == b"hi"
        # A floor the toxic injects by construction (150 ms, jitter within ±10 ms), 2 ms for the clocks:
        # a correct build cannot fail it.
        assert time.monotonic() - start >= 0.14 - 0.002

    assert p.command("remove latency_upstream") == "OK removed latency_upstream"
    assert p.command("add limit_data:bytes=3").startswith("OK limit_data_downstream limit_data:bytes=3")
    assert p.command("update limit_data_downstream bytes=4,toxicity=1").startswith("OK limit_data_downstream")
    assert p.command("list").startswith("OK limit_data_downstream")
    assert p.command("add warp:speed=9").startswith("ERR unknown toxic type")
    assert p.command("remove nothing").startswith("ERR")
    assert p.command("frobnicate").startswith("ERR unknown command")
    assert p.command("disable") == "OK disabled"
    with pytest.raises(ConnectionRefusedError):
        connect(address, timeout=2)
    assert p.command("enable") == f"OK enabled {address[0]}:{address[1]}"
    assert p.command("reset") == "OK reset"
    assert p.command("stats").startswith("OK accepted=1 ")

    assert p.stop() == 0
    assert p.next_line().startswith("STOPPED accepted=1 upstream_failures=0 bytes_up=2 bytes_down=2")


def test_a_bad_toxic_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--upstream", "127.0.0.1:1", "--toxic", "latency:lag=1"]) == 2
    assert "latency has no attribute lag" in capsys.readouterr().err


def test_toxics_lists_types_attributes_and_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["toxics"]) == 0
    out = capsys.readouterr().out
    assert "latency: latency=0 (ms), jitter=0 (ms)" in out
    assert "bandwidth: rate=0 (KB/s)" in out
    assert "slicer: average_size=1 (bytes), size_variation=0 (bytes), delay=0 (µs)" in out
    assert "noop" not in out


def test_the_sub_command_registers_on_the_main_parser() -> None:
    import argparse

    from harness.cli import chaos_cmd

    parser = argparse.ArgumentParser()
    chaos_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["chaos", "proxy", "--upstream", "127.0.0.1:9", "--toxic", "timeout"])
    assert (args.upstream, args.toxic, args.listen) == ("127.0.0.1:9", ["timeout"], "127.0.0.1:0")
