"""pytest fixtures for the fault proxy (registered by the sentry-gate plugin).

- ``chaos_runner`` (session): one `ChaosRunner` (an event loop on a thread) per session, or per
  xdist worker; closing it checks no task is left behind.
- ``suite_rig(name, …)``: the body of the chaos suite's rig fixtures: a bundled target with its fault
  proxies, started as the settings' self-test mutant says, skipped (failed under CI) when the target cannot run here.
- ``fault_proxy`` (function): a factory, ``fault_proxy("127.0.0.1:8080", toxics=[...]) -> ProxyHandle``;
  every proxy it made is stopped at teardown, and anything that failed inside the proxy's loop during
  the test is raised there (`ChaosError`), as pytest-httpserver's ``check()`` does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from harness.chaos.rig import ChaosRig, running_rig
from harness.chaos.runner import ChaosRunner, ProxyHandle
from harness.chaos.spec import Address, ToxicSpec, parse_toxic_spec
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.settings import Settings
from harness.targets.launcher import TargetUnavailable

__all__ = ["FaultProxyFactory", "chaos_runner", "fault_proxy", "suite_rig"]

_names = itertools.count(1)


class FaultProxyFactory:
    """Makes proxies for one test and stops them all at its end."""

    def __init__(self, runner: ChaosRunner, prefix: str = "proxy") -> None:
        self.runner = runner
        self.prefix = prefix
        self.made: list[ProxyHandle] = []

    def __call__(
        self,
        upstream: str | tuple[str, int] | Address,
        *,
        name: str | None = None,
        toxics: Iterable[ToxicSpec | str] = (),
        seed: int | None = None,
        enabled: bool = True,
    ) -> ProxyHandle:
        """A proxy on a free loopback port in front of ``upstream``; toxics as `ToxicSpec` or text.

        Text is ``parse_toxic_spec``'s form, e.g. ``"latency:latency=200,stream=upstream"``.
        """
        specs = [t if isinstance(t, ToxicSpec) else parse_toxic_spec(t) for t in toxics]
        handle = self.runner.create_proxy(
            upstream, name=name or f"{self.prefix}-{next(_names)}", seed=seed, enabled=enabled, toxics=specs
        )
        self.made.append(handle)
        return handle

    def close(self) -> None:
        try:
            for handle in reversed(self.made):
                self.runner.remove_proxy(handle.name)
        finally:
            self.made.clear()
            self.runner.check()


@pytest.fixture(scope="session")
def chaos_runner() -> Iterator[ChaosRunner]:
    runner = ChaosRunner().start()
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def fault_proxy(chaos_runner: ChaosRunner, request: pytest.FixtureRequest) -> Iterator[FaultProxyFactory]:
    factory = FaultProxyFactory(chaos_runner, prefix=f"proxy-{request.node.name}"[:60])
    try:
        yield factory
    finally:
        factory.close()


def suite_rig(
    name: str,
    ingest: IngestClient,
    runner: ChaosRunner,
    log_dir: Path,
    *,
    extra_env: Mapping[str, str | None] | None = None,
    browser_through_proxy: bool = False,
) -> Iterator[ChaosRig]:
    """Yield ``name``'s rig (under the settings' self-test mutant); a target that cannot start here is
    ``unavailable``."""
    mutant = Settings.from_environ().self_test.mutant
    try:
        with running_rig(
            name,
            ingest,
            runner,
            log_dir,
            mutant=mutant,
            extra_env=extra_env,
            browser_through_proxy=browser_through_proxy,
        ) as started:
            yield started
    except TargetUnavailable as exc:
        unavailable(str(exc))
