"""The public facades: every name in ``__all__`` resolves, and nothing else is offered."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["harness.webapi", "harness.release"])
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError):
        _ = module.no_such_name
