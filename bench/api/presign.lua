-- wrk script: POST /upload-image with a JSON body on keep-alive connections.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"filename":"bench photo.jpg","contentType":"image/jpeg","size":1048576,'
    .. '"variants":[{"width":400,"height":400},{"width":100,"height":100,"format":"webp"}]}'

local bad = 0
response = function(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

done = function(summary, latency, requests)
    -- Machine-readable line for run.sh.
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout))
end
