#!/usr/bin/env bash
# Runs everything CI checks, in stages, each of which always runs even if an earlier one failed:
#   ctest   the C++ unit tests of BUILD_DIR, two at a time
#   asan    every ctest suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer
#           (BUILD_DIR-asan): each binary behind ctest's entries run whole, two at a time
#   tsan    the concurrency-heavy suites (http, store, queue, Redis queue and job store,
#           pipeline, webhook) built with ThreadSanitizer (BUILD_DIR-tsan; suppressions:
#           scripts/tsan.supp)
#   fuzz    every libFuzzer target (clang, BUILD_DIR-fuzz): its seed corpus replayed, then
#           FUZZ_SECONDS (default 20) of fuzzing; a crash fails the stage and its input is kept
#           in the log folder named in the output, to be added to fuzz/corpus/<target>/
#   tidy    clang-tidy (.clang-tidy) over every translation unit (scripts/tidy.py, cached)
#   format  clang-format --dry-run over every C++ file
#   pytest  the real-client integration tests (Debian's python3) against BUILD_DIR's imgpipe
# The summary at the end gives each stage's result; exit status is non-zero if any failed.
# SKIP="tsan fuzz" (a space-separated list of stage names, any of the above) leaves stages out,
# for quick local runs; CI sets nothing.
#
# What the stages cost (issue 12), measured on the shared 2-core machine with ccache warm:
#   ctest 67 s, tsan 239 s (five suites; the Redis one added since takes seconds), fuzz 131 s,
#   format 1 s, pytest 640 s (fresh clone, 2026-12-05 16:21; 20:39 in all with the 160 s that
#   asan then took on four suites).
#   asan  23 binaries, clean. Their runs add up to ~470 s (image corpus 120 s, store 113 s,
#         imaging_vips 64 s, store_s3 45 s, every other one under 20 s), ~5 min two at a time
#         at load 6; the four longest start first. Through ctest, every one of its ~950 entries
#         paid ASan's start-up as a process of its own (243 entries took 14 min). The build:
#         11 min cold at load 5. The stage with ccache warm (a few changed TUs rebuilt): 281 s
#   tidy  288 TUs, clean (2026-12-06). Cold, a Beast TU costs ~70 s of CPU
#         (src/http/session.cpp: 17 s parsing, 51 s in checks, none above 10% of it, so none was
#         dropped for cost), a test TU 5-11 s; 149 TUs took 10 min at -j2 (load ~3), so a cold
#         run over the tree is ~20-30 min. Warm (ccache's folder kept, as CI does): the
#         preprocessing, and the TUs a change touched (or that had findings): 48 s
# With both caches warm, `make test` is the 20:39 above with asan's 281 s for its 160 s and
# tidy's 48 s added: ~23 min on 2 cores, inside the 30-minute budget; a cold tidy cache (a fresh
# one, or any change to .clang-tidy) adds ~20-30 min once.
#
# The test corpus (IMGPIPE_TESTDATA, default ../shared/testdata beside the repository) is checked
# first: without it the script stops at once with one line saying so.
#
# Usage: scripts/run-tests.sh BUILD_DIR [extra pytest args...]
set -uo pipefail

# Before the cd below, so that a relative IMGPIPE_TESTDATA means what it meant to the caller.
IMGPIPE_TESTDATA=$("$(dirname "$0")/check-testdata.sh") || exit 1
export IMGPIPE_TESTDATA
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [pytest args...]" >&2
    exit 2
fi
build_dir=$1
shift
export IMGPIPE_BIN="${IMGPIPE_BIN:-$(realpath -m "$build_dir")/src/app/imgpipe}"
fuzz_seconds=${FUZZ_SECONDS:-20}
skip=" ${SKIP:-} "

logs=$(mktemp -d)
keep_logs=0
trap '[ "$keep_logs" -eq 1 ] || rm -rf "$logs"' EXIT

declare -A result    # stage -> "pass ..." / "FAIL ..."
stages=(ctest asan tsan fuzz tidy format pytest)
started=$SECONDS
stage_start=0
begin() {
    echo
    echo "==> $1 ($(date -u +%H:%M:%S))"
    stage_start=$SECONDS
}
# finish STAGE RC DETAIL
finish() {
    local took=$((SECONDS - stage_start))
    if [ "$2" -eq 0 ]; then result[$1]="pass  ${took}s  $3"; else result[$1]="FAIL  ${took}s  $3"; fi
}
skipped() {
    [[ "$skip" == *" $1 "* ]] || return 1
    result[$1]="skipped (SKIP)"
}

# ctest lists a binary's tests just before running them (PRE_TEST) and keeps that list until the
# binary is rebuilt, but the parameterised tests are one per corpus case: forget the lists, so
# they are made again against this corpus.
forget_test_lists() { find "$1" -name '*\]_tests.cmake' -delete 2>/dev/null || true; }

# run_ctest DIR LOG [ctest args]: exit status, and the summary line in $ctest_line.
run_ctest() {
    local dir=$1 log=$2
    shift 2
    forget_test_lists "$dir"
    ctest --test-dir "$dir" --output-on-failure -j2 "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    ctest_line=$(grep -E "tests passed|No tests were found" "$log" | tail -1)
    if [ -z "$ctest_line" ] || grep -q "No tests were found" "$log"; then
        ctest_line="${ctest_line:-no summary} (exit $rc)"
        [ "$rc" -ne 0 ] || rc=1
    fi
    return "$rc"
}

# configure_and_build DIR LOG CMAKE_ARGS... -- TARGETS...: only the named targets (all if none).
configure_and_build() {
    local dir=$1 log=$2
    shift 2
    local args=() targets=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    targets=("$@")
    {
        cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null &&
            if [ ${#targets[@]} -gt 0 ]; then
                cmake --build "$dir" -j2 --target "${targets[@]}"
            else
                cmake --build "$dir" -j2
            fi
    } >"$log" 2>&1
    local rc=$?
    [ "$rc" -eq 0 ] || tail -40 "$log"
    return "$rc"
}

# Sanitizer builds: -O1 (what the sanitizers' docs advise) and line tables only (-g1, enough for
# symbolised stacks) compile the Beast translation units in about half the time of -O2 -g.
# Warnings fail the main build (make test's -DIMGPIPE_WERROR=ON); here they stay warnings, since
# gcc's sanitizer modes add their own (-Wtsan on fences inside Boost.Asio, for one).
san_flags=(-DIMGPIPE_BENCH=OFF -DIMGPIPE_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")

# --- ctest -----------------------------------------------------------------------------------
if ! skipped ctest; then
    begin ctest
    run_ctest "$build_dir" "$logs/ctest"
    rc=$?
    finish ctest "$rc" "$ctest_line"
fi

# --- asan: every suite under ASan + UBSan -----------------------------------------------------
# Each binary behind a ctest entry runs whole, two at a time, rather than once per ctest entry:
# ASan's start-up costs every process a few seconds, and ctest has ~950 entries.
if ! skipped asan; then
    begin "asan: every ctest suite under ASan+UBSan (${build_dir}-asan)"
    asan_dir="${build_dir}-asan"
    # detect_leaks: a leak fails the binary. halt_on_error and print_stacktrace make a UBSan
    # finding fail it with a stack.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    if configure_and_build "$asan_dir" "$logs/asan-build" -DIMGPIPE_SANITIZE=ON "${san_flags[@]}"; then
        # Which binaries ctest runs (listing runs each gtest binary once, to find its tests).
        forget_test_lists "$asan_dir"
        mapfile -t asan_bins < <(ctest --test-dir "$asan_dir" --show-only=json-v1 2>"$logs/asan-list" |
            /usr/bin/python3 -c 'import json, sys
print("\n".join(sorted({t["command"][0] for t in json.load(sys.stdin)["tests"]})))')
        # In each binary's own folder, as ctest runs it; 20 min at most each (ctest: 10 per test).
        # The four that take 45-120 s each start first, so that the two slots end together.
        printf '%s\n' "${asan_bins[@]}" |
            awk '{ n = $0; sub(/.*\//, "", n); first = n ~ /^(imaging_corpus|store|imaging_vips|store_s3)_test$/;
                   print (first ? 0 : 1) " " $0 }' | sort -k1,1n -s | cut -d" " -f2- |
            xargs -P2 -I{} sh -c 'n=$(basename {}); cd "$(dirname {})" &&
                timeout -k 10 1200 {} >"$0/asan-$n" 2>&1; echo "$?" >"$0/asan-$n.rc"' "$logs"
        asan_fail=0
        passed=0
        for b in "${asan_bins[@]}"; do
            n=$(basename "$b")
            rc=$(cat "$logs/asan-$n.rc" 2>/dev/null)
            if [ "$rc" = 0 ]; then
                passed=$((passed + 1))
                continue
            fi
            asan_fail=1
            keep_logs=1
            echo "--- $n under ASan+UBSan failed (exit ${rc:-none}$([ "$rc" = 124 ] && echo ", timed out")); log: $logs/asan-$n"
            sed -n '/^\[  FAILED  \] .*listed below:$/,$p' "$logs/asan-$n" | grep -E "^\[  FAILED  \] [^0-9]"
            # A sanitizer report ends the process: name the test it happened in.
            if grep -q -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$logs/asan-$n"; then
                echo "in or after: $(grep -E "^\[ RUN      \]" "$logs/asan-$n" | tail -1)"
                grep -E -A40 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$logs/asan-$n" | head -80
            fi
        done
        if [ ${#asan_bins[@]} -eq 0 ]; then
            asan_fail=1
            cat "$logs/asan-list"
        fi
        finish asan "$asan_fail" "$passed of ${#asan_bins[@]} binaries clean"
    else
        finish asan 1 "build failed"
    fi
fi

# --- tsan: the concurrency-heavy suites under ThreadSanitizer --------------------------------
if ! skipped tsan; then
    tsan_bins=(src/store/store_test src/queue/queue_test src/queue/queue_redis_test
        src/pipeline/webhook_test src/http/http_test src/pipeline/pipeline_test)
    tsan_names=("${tsan_bins[@]##*/}")
    begin "tsan: ${tsan_names[*]} under TSan (${build_dir}-tsan)"
    tsan_dir="${build_dir}-tsan"
    if configure_and_build "$tsan_dir" "$logs/tsan-build" -DIMGPIPE_SANITIZE=thread "${san_flags[@]}" -- \
        "${tsan_names[@]}"; then
        # Run the binaries themselves (ctest would also list the suites this build skipped), two
        # at a time. halt_on_error: the first race fails the binary, with both stacks.
        tsan_fail=0
        # ignore_noninstrumented_modules: libvips, GLib, liborc, zlib and the codecs are not
        # built with TSan and synchronise through futexes it cannot see; their memory accesses
        # and interceptor calls are not reported (tsan.supp names them once more for the
        # interceptors called from inside them).
        export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/scripts/tsan.supp"
        printf '%s\n' "${tsan_bins[@]}" |
            xargs -P2 -I{} sh -c 'n=$(basename {}); "$0/{}" --gtest_brief=1 >"$1/tsan-$n" 2>&1;
                echo "$?" >"$1/tsan-$n.rc"' "$tsan_dir" "$logs"
        passed=0
        for b in "${tsan_bins[@]}"; do
            n=$(basename "$b")
            if [ "$(cat "$logs/tsan-$n.rc" 2>/dev/null)" = "0" ]; then
                passed=$((passed + 1))
            else
                tsan_fail=1
                echo "--- $n under TSan failed:"
                grep -E -A40 "WARNING: ThreadSanitizer|FAILED|Failure" "$logs/tsan-$n" | head -120
            fi
        done
        finish tsan "$tsan_fail" "$passed of ${#tsan_bins[@]} binaries clean"
    else
        finish tsan 1 "build failed"
    fi
fi

# --- fuzz: every libFuzzer target, corpus replay then a fixed time ---------------------------
if ! skipped fuzz; then
    begin "fuzz: libFuzzer targets, ${fuzz_seconds}s each (${build_dir}-fuzz)"
    fuzz_dir="${build_dir}-fuzz"
    fuzz_targets=(aws_chunked multipart post_policy image_job)
    if CC=clang CXX=clang++ configure_and_build "$fuzz_dir" "$logs/fuzz-build" \
        -DIMGPIPE_FUZZ=ON -DIMGPIPE_TESTS=OFF -DIMGPIPE_BENCH=OFF -- \
        "${fuzz_targets[@]/#/fuzz_}"; then
        fuzz_fail=0
        passed=0
        for t in "${fuzz_targets[@]}"; do
            # New inputs go to a scratch folder; the committed seeds (and, for image_job, the
            # test corpus, read in place) are read only.
            mkdir -p "$logs/fuzz-$t-new"
            seeds=("fuzz/corpus/$t")
            if [ "$t" = image_job ]; then
                seeds=("$IMGPIPE_TESTDATA/jpeg-decoder-tests" "$IMGPIPE_TESTDATA/imagetestsuite-jpg"
                    "$IMGPIPE_TESTDATA/libjpeg-turbo" "$IMGPIPE_TESTDATA/pngsuite")
            fi
            export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
            # Every seed once, each file named (so none is skipped for time), then the fuzzing.
            find "${seeds[@]}" -type f ! -name '*.md' -print0 |
                xargs -0 "$fuzz_dir/fuzz/fuzz_$t" -timeout=30 -rss_limit_mb=2560 \
                    -artifact_prefix="$logs/fuzz-$t-" >"$logs/fuzz-$t-replay" 2>&1
            frc=$?
            if [ "$frc" -ne 0 ]; then
                cat "$logs/fuzz-$t-replay" >"$logs/fuzz-$t"
            else
                "$fuzz_dir/fuzz/fuzz_$t" -max_total_time="$fuzz_seconds" -timeout=30 \
                    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$logs/fuzz-$t-" \
                    "$logs/fuzz-$t-new" "${seeds[@]}" >"$logs/fuzz-$t" 2>&1
                frc=$?
            fi
            runs=$(grep -E "^stat::number_of_executed_units" "$logs/fuzz-$t" | awk '{print $2}')
            if [ "$frc" -eq 0 ]; then
                passed=$((passed + 1))
                echo "fuzz_$t: ${runs:-?} runs, clean"
            else
                fuzz_fail=1
                keep_logs=1
                echo "fuzz_$t FAILED (exit $frc); crash input kept as:"
                ls "$logs"/fuzz-"$t"-crash-* "$logs"/fuzz-"$t"-leak-* "$logs"/fuzz-"$t"-timeout-* \
                    "$logs"/fuzz-"$t"-oom-* 2>/dev/null
                grep -E -B2 -A30 "ERROR: |runtime error|==ERROR" "$logs/fuzz-$t" | head -60
            fi
        done
        finish fuzz "$fuzz_fail" "$passed of ${#fuzz_targets[@]} targets clean"
    else
        finish fuzz 1 "build failed"
    fi
fi

# --- tidy ------------------------------------------------------------------------------------
if ! skipped tidy; then
    begin "tidy: clang-tidy over every translation unit"
    /usr/bin/python3 scripts/tidy.py "$build_dir" -j2 2>&1 | tee "$logs/tidy"
    rc=${PIPESTATUS[0]}
    finish tidy "$rc" "$(tail -1 "$logs/tidy")"
fi

# --- format ----------------------------------------------------------------------------------
if ! skipped format; then
    begin "format: clang-format check"
    unformatted=$(git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep -c "error:" || true)
    if [ "$unformatted" -ne 0 ]; then
        git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep "error:" | head -20
    fi
    finish format "$([ "$unformatted" -eq 0 ] && echo 0 || echo 1)" "$unformatted unformatted diagnostics"
fi

# --- pytest ----------------------------------------------------------------------------------
if ! skipped pytest; then
    begin "pytest tests/integration (IMGPIPE_BIN=$IMGPIPE_BIN)"
    /usr/bin/python3 -m pytest tests/integration -p no:cacheprovider -rfEs "$@" 2>&1 |
        tee "$logs/pytest"
    rc=${PIPESTATUS[0]}
    pytest_line=$(grep -E "^=+ .*(passed|failed|error|skipped|no tests ran).* =+$" "$logs/pytest" |
        tail -1)
    [ -n "$pytest_line" ] || { pytest_line="no summary (exit $rc)"; [ "$rc" -ne 0 ] || rc=1; }
    finish pytest "$rc" "$pytest_line"
fi

# --- summary ---------------------------------------------------------------------------------
echo
echo "==> summary ($(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s)"
failed=()
for s in "${stages[@]}"; do
    printf '%-7s %s\n' "$s:" "${result[$s]:-not run}"
    [[ "${result[$s]:-}" == FAIL* ]] && failed+=("$s")
done
if [ ${#failed[@]} -gt 0 ]; then
    [ "$keep_logs" -eq 1 ] && echo "logs kept in $logs"
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "ALL STAGES PASSED"
