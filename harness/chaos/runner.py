"""A fault proxy for synchronous code: an event loop on a daemon thread, and blocking handles onto it.

``with ChaosRunner() as chaos: proxy = chaos.create_proxy("127.0.0.1:8080")`` gives a `ProxyHandle`
whose methods block until the loop thread has done the work, so a pytest test (or a Locust user, or
the CLI) can add a toxic, let traffic run, and remove it. Closing the runner stops every proxy and
then checks that no task is left on the loop. Errors inside the loop (unexpected ones: bugs, not
network errors) are collected and re-raised by `ChaosRunner.check`, as pytest-httpserver does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from harness.chaos.proxy import FaultProxy, ProxyError, ProxyStats, ToxicStats
from harness.chaos.spec import Address, Direction, ToxicSpec

__all__ = ["ChaosError", "ChaosRunner", "ProxyHandle"]

T = TypeVar("T")
CALL_TIMEOUT_S = 30.0


class ChaosError(AssertionError):
    """Something failed inside the proxy's loop thread; raised in the test that uses it."""


class ChaosRunner:
    """Hosts fault proxies on an asyncio loop running in a background thread."""

    def __init__(self, *, call_timeout: float = CALL_TIMEOUT_S) -> None:
        self.call_timeout = call_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._proxies: dict[str, FaultProxy] = {}
        self._errors: list[str] = []
        self._lock = threading.Lock()

    # Lifecycle.
    def start(self) -> Self:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(self._on_loop_error)
        ready = threading.Event()
        thread = threading.Thread(target=self._run_loop, args=(loop, ready), name="chaos-proxy-loop", daemon=True)
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(check=exc is None)

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def close(self, *, check: bool = True) -> None:
        """Stop every proxy, verify nothing is left running on the loop, stop the thread; then `check`."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            leftovers = self.call(self._stop_all(), timeout=self.call_timeout)
            if leftovers:
                self._errors.append(f"tasks left on the chaos loop after every proxy stopped: {leftovers}")
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(self.call_timeout)
            self._loop = self._thread = None
        if check:
            self.check()

    async def _stop_all(self) -> list[str]:
        for proxy in list(self._proxies.values()):
            await proxy.stop()
            self._errors.extend(proxy.errors)
        self._proxies.clear()
        current = asyncio.current_task()
        left = [t for t in asyncio.all_tasks() if t is not current]
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)
        return [t.get_name() for t in left]

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self._errors.append(f"{context.get('message', 'error on the chaos loop')}: {exc!r}")

    def check(self) -> None:
        """Raise `ChaosError` if anything failed inside the loop since the last check."""
        errors = list(self._errors)
        for proxy in list(self._proxies.values()):
            errors.extend(proxy.errors)
            proxy.errors.clear()
        self._errors.clear()
        if errors:
            raise ChaosError("the fault proxy failed inside its loop:\n" + "\n\n".join(errors))

    # Running code on the loop.
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the chaos runner is not started")
        return self._loop

    def call(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        """Run a coroutine on the loop thread and wait for its result (its exception is raised here)."""
        loop = self.loop
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("ChaosRunner.call from the loop thread would deadlock; await the proxy instead")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(self.call_timeout if timeout is None else timeout)
        except TimeoutError:
            future.cancel()
            raise

    # Proxies.
    def create_proxy(
        self,
        upstream: str | tuple[str, int] | Address,
        *,
        name: str | None = None,
        listen: str | tuple[str, int] | Address = "127.0.0.1:0",
        seed: int | None = None,
        enabled: bool = True,
        toxics: list[ToxicSpec] | None = None,
    ) -> ProxyHandle:
        """Start a proxy in front of ``upstream`` (listening on a free loopback port unless told otherwise)."""
        proxy = FaultProxy(upstream, listen=listen, name=name, seed=seed)
        with self._lock:
            if proxy.name in self._proxies:
                raise ProxyError(f"a proxy named {proxy.name!r} exists already")
            self._proxies[proxy.name] = proxy

        async def _start() -> None:
            for spec in toxics or []:
                await proxy.add_toxic(spec)
            await proxy.enable()
            if not enabled:
                await proxy.disable()

        try:
            self.call(_start())
        except BaseException:
            with self._lock:
                self._proxies.pop(proxy.name, None)
            raise
        return ProxyHandle(self, proxy)

    def proxy(self, name: str) -> ProxyHandle:
        try:
            return ProxyHandle(self, self._proxies[name])
        except KeyError:
            raise ProxyError(f"no proxy named {name!r}") from None

    def proxies(self) -> list[ProxyHandle]:
        return [ProxyHandle(self, p) for p in list(self._proxies.values())]

    def remove_proxy(self, name: str) -> None:
        with self._lock:
            proxy = self._proxies.pop(name, None)
        if proxy is None:
            raise ProxyError(f"no proxy named {name!r}")
        self.call(proxy.stop())
        self._errors.extend(proxy.errors)

    def reset(self) -> None:
        """Every proxy enabled and without toxics."""
        for proxy in list(self._proxies.values()):
            self.call(proxy.reset())


class ProxyHandle:
    """Blocking calls onto one `FaultProxy` living on a `ChaosRunner`'s loop."""

    def __init__(self, runner: ChaosRunner, proxy: FaultProxy) -> None:
        self._runner = runner
        self._proxy = proxy

    def __repr__(self) -> str:
        return f"<ProxyHandle {self._proxy!r}>"

    @property
    def name(self) -> str:
        return self._proxy.name

    @property
    def listen(self) -> Address:
        return self._proxy.listen

    @property
    def host(self) -> str:
        return self._proxy.listen.host

    @property
    def port(self) -> int:
        return self._proxy.listen.port

    @property
    def upstream(self) -> Address:
        return self._proxy.upstream

    def url(self, scheme: str = "http", path: str = "") -> str:
        """The proxy as a base URL, e.g. for ``SPOTIFY_API_URL`` or a DSN's host."""
        return f"{scheme}://{self._proxy.listen}{path}"

    @property
    def enabled(self) -> bool:
        return self._proxy.enabled

    def add_toxic(
        self,
        type: str,
        *,
        stream: Direction | str = Direction.DOWNSTREAM,
        toxicity: float = 1.0,
        name: str = "",
        **attributes: int,
    ) -> ToxicSpec:
        """Add a toxic, e.g. ``add_toxic("latency", latency=200, jitter=50, stream="upstream")``."""
        spec = ToxicSpec(type=type, attributes=attributes, stream=Direction(stream), toxicity=toxicity, name=name)
        return self._runner.call(self._proxy.add_toxic(spec))

    def add(self, spec: ToxicSpec) -> ToxicSpec:
        return self._runner.call(self._proxy.add_toxic(spec))

    def update_toxic(self, name: str, *, toxicity: float | None = None, **attributes: int) -> ToxicSpec:
        return self._runner.call(self._proxy.update_toxic(name, toxicity=toxicity, attributes=attributes))

    def remove_toxic(self, name: str) -> None:
        self._runner.call(self._proxy.remove_toxic(name))

    @contextmanager
    def toxic(
        self,
        type: str,
        *,
        stream: Direction | str = Direction.DOWNSTREAM,
        toxicity: float = 1.0,
        name: str = "",
        **attributes: int,
    ) -> Iterator[ToxicSpec]:
        """A toxic for the duration of a ``with`` block; removed on the way out, whatever happened."""
        spec = self.add_toxic(type, stream=stream, toxicity=toxicity, name=name, **attributes)
        try:
            yield spec
        finally:
            self.remove_toxic(spec.name)

    def toxics(self) -> list[ToxicSpec]:
        return self._runner.call(_value(self._proxy.toxics))

    def toxic_stats(self, name: str) -> ToxicStats:
        return self._runner.call(_value(lambda: self._proxy.toxic_stats(name)))

    def stats(self) -> ProxyStats:
        return self._runner.call(_value(self._proxy.stats))

    def socket_options(self, level: int, option: int) -> list[dict[str, int]]:
        """`FaultProxy.socket_options`, read on the proxy's loop."""
        return self._runner.call(_value(lambda: self._proxy.socket_options(level, option)))

    def disable(self) -> None:
        self._runner.call(self._proxy.disable())

    def enable(self) -> None:
        self._runner.call(self._proxy.enable())

    @contextmanager
    def disabled(self) -> Iterator[None]:
        """The proxy down (connections refused) for the duration of a ``with`` block."""
        self.disable()
        try:
            yield
        finally:
            self.enable()

    def reset(self) -> None:
        self._runner.call(self._proxy.reset())

    def as_dict(self) -> Mapping[str, Any]:
        """Toxiproxy's JSON view of a proxy."""
        return {
            "name": self.name,
            "listen": str(self.listen),
            "upstream": str(self.upstream),
            "enabled": self.enabled,
            "toxics": [t.as_dict() for t in self.toxics()],
        }


async def _value(fn: Callable[[], T]) -> T:
    """Read proxy state on its own loop thread, where it is consistent."""
    return fn()
