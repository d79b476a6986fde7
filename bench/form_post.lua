-- wrk script: POST the same urlencoded form as bench/survey_load.py (10 single choices + a 5-item battery).
-- Used for the bare endpoint only: `wrk -t2 -c40 -d10s -s bench/form_post.lua http://127.0.0.1:PORT/s/bench/1`
-- (the real submission needs a fresh draft cookie per request, which survey_load.py's client provides).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local fields = {"csrf_token=x", "page=1"}
local codes = {"very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe"}
for q = 0, 9 do fields[#fields + 1] = "q-q" .. q .. "=" .. codes[(q % 4) + 1] end
local scale = {"very_big", "fairly_big", "fairly_small", "no_problem", "dont_know"}
for i = 0, 4 do fields[#fields + 1] = "q-problems-item" .. i .. "=" .. scale[i + 1] end
wrk.body = table.concat(fields, "&")
