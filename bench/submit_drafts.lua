-- wrk script for bench/survey_load.py: each request submits one prepared draft (its own cookies and CSRF
-- token, read from the file named by the DRAFTS environment variable: one "cookie<TAB>csrf" line each),
-- so every POST is an honest first submission. Counts 303 -> /tack (acknowledged) and everything else.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", 0)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local all = {}
  for line in io.lines(os.getenv("DRAFTS")) do all[#all + 1] = line end
  drafts = {}
  local n = tonumber(os.getenv("NTHREADS"))
  for i = id, #all, n do drafts[#drafts + 1] = all[i] end
  index = 0
  acknowledged = 0
  other = 0
  exhausted = 0
  local codes = {"very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe"}
  local scale = {"very_big", "fairly_big", "fairly_small", "no_problem", "dont_know"}
  local fields = {"page=1"}
  for q = 0, 9 do fields[#fields + 1] = "q-q" .. q .. "=" .. codes[((q + id) % 4) + 1] end
  for i = 0, 4 do fields[#fields + 1] = "q-problems-item" .. i .. "=" .. scale[((i + id) % 5) + 1] end
  body = table.concat(fields, "&")
end

function request()
  index = index + 1
  local line = drafts[index]
  if line == nil then
    exhausted = 1
    line = drafts[#drafts]
  end
  local cookie, csrf = line:match("([^\t]*)\t(.*)")
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}
  return wrk.format("POST", os.getenv("SUBMIT_PATH"), headers, "csrf_token=" .. csrf .. "&" .. body)
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"] or ""
  if status == 303 and location:find("/tack", 1, true) then
    acknowledged = acknowledged + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ack, oth, ex = 0, 0, 0
  for _, thread in ipairs(threads) do
    ack = ack + thread:get("acknowledged")
    oth = oth + thread:get("other")
    ex = ex + thread:get("exhausted")
  end
  io.write(string.format("RESULT acknowledged=%d other=%d exhausted=%d p50=%.3f p99=%.3f seconds=%.3f\n",
    ack, oth, ex, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
