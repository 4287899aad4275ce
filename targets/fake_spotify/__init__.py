"""A fake Spotify Web API for the reference targets: deterministic data and scriptable faults.

Run it with ``python -m targets.fake_spotify --port 0``; it prints one line
``fake-spotify ready http://127.0.0.1:<port>`` once it accepts requests. It binds loopback only.
"""

from .app import FakeSpotifyState, create_app
from .faults import FAULT_KINDS, Fault, FaultKind

__all__ = ["FAULT_KINDS", "FakeSpotifyState", "Fault", "FaultKind", "create_app"]
