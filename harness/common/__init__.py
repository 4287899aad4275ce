"""The ground floor: tools every domain shares (processes, the browser, ASGI plumbing, the skip-or-fail
rule). Nothing here imports another harness package but the settings, so anything may import it."""
