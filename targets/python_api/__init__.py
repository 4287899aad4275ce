"""The Express server's Python twin: Starlette + ``sentry-sdk``, same routes, modes, filters and hooks.

Run it with ``python -m targets.python_api`` (environment as in targets/README.md); it prints
``READY http://127.0.0.1:<port>`` once it accepts connections. It must behave like the Express server
in everything a check can observe, in Python idioms, so the suites prove they do not depend on one SDK.
"""
