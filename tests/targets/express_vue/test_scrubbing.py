"""Privacy on the server: the hardened variant sends none of the canaries a failing login carries in its
headers, cookies, query and body, while the seed leaks the ones Sentry's defaults keep."""

from __future__ import annotations

import pytest

from harness.ingest.wait import mentions, wait_matching
from harness.targets.target import Target

from .express import leaked, leaky_login, marker, server

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]


def test_hardened_scrubs_what_the_seed_leaks(production: Target, fleet: dict[str, Target]) -> None:
    mark = marker()
    for target in (production, fleet["seed"]):
        leaky_login(target, mark)
    hardened = b"".join(i.payload for i in wait_matching(server(production), mentions(mark), type="event"))
    seed = b"".join(i.payload for i in wait_matching(server(fleet["seed"]), mentions(mark), type="event"))
    assert leaked(hardened) == set()
    # The seed deletes the four headers in production, but SDK 11 also parses cookies into
    # request.cookies (masking only "sensitive" names) and turns X-Forwarded-For into user.ip_address;
    # the OAuth query and the request body stay too.
    assert leaked(seed) == {"cookie", "x-forwarded-for", "query", "password", "card"}
