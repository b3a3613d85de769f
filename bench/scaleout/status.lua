-- wrk script: GET the URL (an image's status, read from the job store) on keep-alive connections;
-- prints the same RESULT line as bench/api/presign.lua.
local bad = 0
response = function(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout))
end
