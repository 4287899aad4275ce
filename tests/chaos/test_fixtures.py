"""The fixtures as a user's test file sees them, run by pytester with harness.chaos.fixtures as a plugin."""

from __future__ import annotations

import pytest

USER_TESTS = """
import socket
import threading

import pytest


@pytest.fixture
def upstream():
    server = socket.create_server(("127.0.0.1", 0))
    def serve():
        conn, _ = server.accept()
        with conn:
            conn.sendall(conn.recv(100).upper())
    thread = threading.Thread(target=serve)
    thread.start()
    yield server.getsockname()
    thread.join(10)
    server.close()


def test_through_a_proxy(fault_proxy, upstream):
    proxy = fault_proxy(upstream, toxics=["slicer:average_size=1"])
    with socket.create_connection((proxy.host, proxy.port), timeout=10) as sock:
        sock.sendall(b"shout")
        sock.shutdown(socket.SHUT_WR)
        got = b""
        while chunk := sock.recv(100):
            got += chunk
    assert got == b"SHOUT"
    assert proxy.toxic_stats("slicer_downstream").affected == 1


def test_proxies_are_gone_after_each_test(chaos_runner):
    assert chaos_runner.proxies() == []
"""


def test_fault_proxy_fixture_in_a_users_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "harness.chaos.fixtures", "-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
