"""Starting targets/foreign_shop through the real lifecycle, sending the requests its file declares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient, ProjectHandle
from harness.ingest.wire import StoredItem
from harness.targetfile import Described, load_target_file
from harness.targets.lifecycle import TargetUnavailable, start_described
from harness.targets.options import TargetOptions
from harness.targets.target import Target

SHOP = Path(__file__).resolve().parents[3] / "targets" / "foreign_shop"
RELEASE = "shop@2026.12.1"
CANARY = re.compile(r"\{canary\.[a-z]+\}")


def described() -> Described:
    return load_target_file(SHOP)


def _fill(value: Any) -> Any:
    """The file's ``{canary.KIND}`` placeholders with a plain value (these tests plant no canaries)."""
    if isinstance(value, str):
        return CANARY.sub("shopper@example.test", value)
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v) for v in value]
    return value


def send(target: Target, name: str, *, headers: Mapping[str, str] | None = None, **changes: Any) -> httpx.Response:
    """Send request ``name`` of the file's [traffic] to ``target``; ``changes`` replace its json keys."""
    request = target.description.model.traffic.requests[name] if target.description else None
    assert request is not None
    body = _fill(request.json_body)
    if body is not None and changes:
        body = {**body, **changes}
    return target.http.request(
        request.method,
        request.path,
        params=_fill(request.query),
        json=body,
        data=_fill(request.form),
        headers={**_fill(request.headers), **(headers or {})},
    )


def exception_types(item: StoredItem) -> list[str]:
    payload = item.json()
    return [v.get("type") for v in (payload.get("exception") or {}).get("values", [])]


@dataclass
class Shops:
    """Starts the shop with a fresh server project per start; stops every one at teardown."""

    ingest: IngestClient
    log_root: Path
    started: list[Target] = field(default_factory=list)

    def __call__(
        self,
        config: str = "standard",
        *,
        environment: str = "live",
        release: str | None = RELEASE,
        env: Mapping[str, str | None] | None = None,
    ) -> tuple[Target, ProjectHandle]:
        project = ProjectHandle(self.ingest, self.ingest.create_project(f"foreign-shop {config} {environment}"))
        options = TargetOptions(
            environment=environment,
            release=release,
            server_dsn=project.dsn,
            browser_dsn=None,
            fault_token=None,
            extra_env={"SHOP_SENTRY_CONFIG": config, **(env or {})},
        )
        log_dir = self.log_root / f"{len(self.started):02d}-{config}-{environment}"
        try:
            target = start_described(described(), options, log_dir)
        except TargetUnavailable as exc:
            unavailable(str(exc))
        self.started.append(target)
        return target, project

    def stop_all(self) -> None:
        for target in self.started:
            target.stop()
