-- wrk script: set data on one of KEYS pre-created nodes under PREFIX, chosen at random.
-- Environment: BENCH_PREFIX (URL path prefix, e.g. /v1/nodes/bench/k), BENCH_KEYS,
-- BENCH_FORM=1 to send `value=...` as a form (etcd's v2 API) instead of raw bytes.
local prefix = os.getenv("BENCH_PREFIX") or "/v1/nodes/bench/k"
local keys = tonumber(os.getenv("BENCH_KEYS") or "1000")
local form = os.getenv("BENCH_FORM") == "1"
local value = string.rep("v", 64)

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(id or 1)
  if form then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    wrk.headers["Content-Type"] = "application/octet-stream"
  end
end

request = function()
  local k = math.random(0, keys - 1)
  local body = form and ("value=" .. value) or value
  return wrk.format("PUT", prefix .. k, nil, body)
end


done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
