-- wrk script for `make bench` (bench/run.py writes the request file).
--
-- Replays prepared requests from the file named by BENCH_REQUESTS, one per line:
--   METHOD <TAB> PATH <TAB> "Name: value" headers joined by \31 <TAB> BODY
-- Thread t of n sends lines t, t+n, t+2n, ... so no two requests share a line
-- (fresh users and Idempotency-Keys stay fresh). When a thread runs past the
-- end it starts over and counts a wrap: bench/run.py flags rows whose unique
-- requests ran out. Every answer's status is counted (wrk itself only counts
-- statuses >= 400), so bench/run.py can insist on exactly 200 or 201.
-- done() prints one JSON line with the run's numbers.

local thread_count = 0
local threads = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local function split(text, separator)
  local parts = {}
  for part in (text .. separator):gmatch("(.-)" .. separator) do
    table.insert(parts, part)
  end
  return parts
end

function init(args)
  local stride = tonumber(os.getenv("BENCH_THREADS"))
  requests = {}
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
  for line in file:lines() do
    local fields = split(line, "\t")
    local headers = {}
    if fields[3] ~= nil and fields[3] ~= "" then
      for _, header in ipairs(split(fields[3], "\31")) do
        local name, value = header:match("^([^:]+):%s*(.*)$")
        headers[name] = value
      end
    end
    local body = fields[4]
    if body == "" then body = nil end
    table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
  end
  file:close()
  step = stride
  -- With fewer lines than threads (a fixed GET), threads share lines.
  first = ((thread_id - 1) % #requests) + 1
  index = first
  wrapped = 0
  statuses = {}
end

function request()
  local prepared = requests[index]
  index = index + step
  if index > #requests then
    index = first
    wrapped = wrapped + 1
  end
  return prepared
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, _)
  local wraps = 0
  local totals = {}
  for _, thread in ipairs(threads) do
    wraps = wraps + thread:get("wrapped")
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local counted = {}
  for status, count in pairs(totals) do
    table.insert(counted, string.format('"%d": %d', status, count))
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "statuses": {%s}, ' ..
    '"socket_errors": %d, "timeouts": %d, "wraps": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    table.concat(counted, ", "), summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, wraps))
end
