"""Privacy on the server: the hardened variant sends none of the canaries a failing login carries in its
headers, cookies, query and body, while the seed leaks the ones Sentry's defaults keep. And the page's own
scrub drops URL fragments from every string of a span's data, not only from its URL keys."""

from __future__ import annotations

import json

import pytest

from harness.ingest.wait import mentions, wait_matching
from harness.targets.target import Target

from .express import CLIENT, leaked, leaky_login, marker, run_node, server

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


SCRUB_PROBE = """
const { filterEventQueries } = await import(process.env.SCRUB_MODULE);
const data = JSON.parse(process.env.SPAN_DATA);
console.log(JSON.stringify(filterEventQueries({ spans: [{ description: 'main', data }] }).spans[0].data));
"""


def test_the_page_scrub_drops_fragments_from_every_span_string(node: str) -> None:
    """A long animation frame's ``browser.script.invoker`` is the URL the page was opened with, an OAuth
    implicit flow's ``#access_token`` included (seen in a replay self-test on a loaded machine)."""
    data = {
        "browser.script.invoker": "https://app.test/callback#access_token=tok-123",
        "browser.script.source_url": "https://app.test/assets/a.js#frag",
        "url": "https://app.test/?code=abc#access_token=tok-123",
        "plain": "no url here",
        "count": 3,
    }
    env = {"SCRUB_MODULE": (CLIENT / "src" / "config" / "scrub.js").as_uri(), "SPAN_DATA": json.dumps(data)}
    done = run_node(node, ["--input-type=module", "-e", SCRUB_PROBE], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "browser.script.invoker": "https://app.test/callback",
        "browser.script.source_url": "https://app.test/assets/a.js",
        "url": "https://app.test/?code=[Filtered]",
        "plain": "no url here",
        "count": 3,
    }
