-- wrk script for the sustained run: 90 % reads, 10 % writes (a comment on one action),
-- counting the writes the server acknowledged (302) and every status seen.
local threads = {}
-- The writes: one "path<TAB>body" a line, each an update of another action based on its
-- current version (an update moves the version on, so each line is sent once).
local posts_file = os.getenv("SOAK_POSTS")
local reads = {}
for path in string.gmatch(os.getenv("SOAK_READS"), "[^ ]+") do table.insert(reads, path) end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  acknowledged = 0
  writes = 0
  counter = 0
  last_was_write = {}
  posts = {}
  local n = 0
  for line in io.lines(posts_file) do
    if n % 2 == tid then table.insert(posts, line) end  -- threads take every other line
    n = n + 1
  end
end

function request()
  counter = counter + 1
  if counter % 10 == 0 then
    writes = writes + 1
    -- wrk.format replaces the default headers with the table given: copy them first.
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local line = posts[((writes - 1) % #posts) + 1]
    local tab = string.find(line, "\t")
    return wrk.format("POST", string.sub(line, 1, tab - 1), headers, string.sub(line, tab + 1))
  end
  return wrk.format("GET", reads[(counter % #reads) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 and headers["Location"] and string.find(headers["Location"], "/actions/") then
    acknowledged = acknowledged + 1
  end
end

function done(summary, latency, requests)
  local all, acked, sent = {}, 0, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do all[code] = (all[code] or 0) + n end
    acked = acked + thread:get("acknowledged")
    sent = sent + thread:get("writes")
  end
  local codes = {}
  for code, n in pairs(all) do table.insert(codes, string.format('"%d": %d', code, n)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"writes_sent": %d, "writes_acknowledged": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, sent, acked,
    table.concat(codes, ", ")))
end
