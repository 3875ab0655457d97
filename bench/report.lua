-- wrk script: optional POSTs from a file (BENCH_POSTS: one "path<TAB>body" a line, each
-- sent once: an update carries the version of the action it was based on, which the update
-- then changes), status counts from every thread, and a JSON summary at the end.
local posts_file = os.getenv("BENCH_POSTS")

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  posts = nil
  if posts_file and posts_file ~= "" then
    posts = {}
    local n = 0
    for line in io.lines(posts_file) do
      -- Threads take every other line, so no two send the same update.
      if n % 2 == tid then table.insert(posts, line) end
      n = n + 1
    end
    sent = 0
  end
end

function request()
  if posts == nil then return wrk.format() end
  sent = sent + 1
  local line = posts[((sent - 1) % #posts) + 1]
  local tab = string.find(line, "\t")
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", string.sub(line, 1, tab - 1), headers, string.sub(line, tab + 1))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do all[code] = (all[code] or 0) + n end
  end
  local codes = {}
  for code, n in pairs(all) do table.insert(codes, string.format('"%d": %d', code, n)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"errors": %d, "non2xx3xx": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, table.concat(codes, ", ")))
end
