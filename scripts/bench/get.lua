-- wrk script: read one of KEYS pre-created nodes under PREFIX, chosen at random.
-- Environment: BENCH_PREFIX (URL path prefix), BENCH_KEYS, BENCH_QUERY (appended, e.g. ?quorum=true).
local prefix = os.getenv("BENCH_PREFIX") or "/v1/nodes/bench/k"
local keys = tonumber(os.getenv("BENCH_KEYS") or "1000")
local query = os.getenv("BENCH_QUERY") or ""

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(id or 1)
end

request = function()
  return wrk.format("GET", prefix .. math.random(0, keys - 1) .. query)
end

done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
