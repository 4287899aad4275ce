"""The Express + Vue reference target (targets/express_vue), seen through the real ingest.

What issue 3 asks of this target and these tests show, one module per concept: the mutant catalogue
(``test_catalogue``); the build cache, hidden source maps and build-time variants (``test_builds``); the
attribution switches of getSentryOptions (``test_options``); the run-time contract, sending on or off per
mode with each mode's declared ``sample_rate``, and the fault kinds (``test_contract``); the hardened
variant's scrubbing against the seed's (``test_scrubbing``); every server-side mutant against its control
(``test_server_mutants``); a click in Chromium that reaches the ingest with a debug ID and frames that
resolve to the throw-site list, and the replay of an error session (``test_page``); the client's mutants,
replay privacy included (``test_client_mutants``).

To stay fast, every server configuration starts once for the whole folder (a few in parallel, ``conftest``)
against one fake Spotify, pages share one Chromium, and one test worker runs the folder (``xdist_group``
with ``--dist loadgroup``). Waits are on conditions with deadlines (the ingest's long-poll, Playwright's
``wait_for_function``), never sleeps.
"""
