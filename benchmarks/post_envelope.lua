-- wrk script for benchmarks/ingest_throughput.py (same as ../shared/bench/ingest_peers/post_envelope.lua):
-- a static keep-alive POST of one fixed envelope, built once per thread and replayed.
--   BENCH_BODY      path of the body file (raw envelope or its gzip)
--   BENCH_ENCODING  "" or "gzip" -> Content-Encoding header
-- done() prints one line starting with "BENCH_JSON " that the orchestrator parses.
-- No response() callback on purpose: defining one makes wrk build Lua tables for every answer
-- and the client would cost more than the server; non-2xx answers are counted from
-- summary.errors.status (status >= 400; our ingest never answers 3xx).
local path = os.getenv("BENCH_BODY")
assert(path, "BENCH_BODY not set")
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-sentry-envelope"
wrk.headers["User-Agent"] = "sentry.python/2.19.0"
local enc = os.getenv("BENCH_ENCODING")
if enc ~= nil and enc ~= "" and enc ~= "identity" then
  wrk.headers["Content-Encoding"] = enc
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d,"lat_mean_us":%.1f}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
