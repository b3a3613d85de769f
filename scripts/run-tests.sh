#!/usr/bin/env bash
# Runs every test: the C++ unit tests (ctest) and then the real-client integration tests (pytest,
# with Debian's python3, against BUILD_DIR/src/app/imgpipe). Both runners always run, even if the
# first fails; each runner's summary line is repeated at the end; exit status is non-zero if
# anything failed.
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

# ctest lists a binary's tests just before running them (PRE_TEST) and keeps that list until the
# binary is rebuilt, but the parameterised tests are one per corpus case: forget the lists, so
# they are made again against this corpus.
forget_test_lists() { find "$1" -name '*\]_tests.cmake' -delete 2>/dev/null || true; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

echo "==> ctest ($build_dir)"
forget_test_lists "$build_dir"
ctest --test-dir "$build_dir" --output-on-failure -j2 2>&1 | tee "$logs/ctest"
ctest_rc=${PIPESTATUS[0]}
ctest_summary=$(grep -E "tests passed|No tests were found" "$logs/ctest" | tail -1)
if [ -z "$ctest_summary" ]; then
    ctest_summary="ctest produced no summary (exit $ctest_rc)"
    [ "$ctest_rc" -ne 0 ] || ctest_rc=1
fi
if grep -q "No tests were found" "$logs/ctest"; then
    ctest_rc=1
fi

# The image corpus again under AddressSanitizer + UndefinedBehaviorSanitizer: only the targets
# it needs, in a build dir of their own.
asan_dir="${build_dir}-asan"
echo "==> image corpus under ASan+UBSan ($asan_dir)"
{
    cmake -S . -B "$asan_dir" -G Ninja -DIMGPIPE_SANITIZE=ON -DIMGPIPE_BENCH=OFF >/dev/null &&
        cmake --build "$asan_dir" --target imaging_corpus_test &&
        forget_test_lists "$asan_dir" &&
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
            ctest --test-dir "$asan_dir" -R CorpusTest --output-on-failure
} 2>&1 | tee "$logs/asan"
asan_rc=${PIPESTATUS[0]}
asan_summary=$(grep -E "tests passed" "$logs/asan" | tail -1)
[ -n "$asan_summary" ] || { asan_summary="no summary (exit $asan_rc)"; [ "$asan_rc" -ne 0 ] || asan_rc=1; }

# Formatting is part of the bar: every C++ file as .clang-format says.
echo "==> clang-format check"
unformatted=$(git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep -c "error:" || true)
format_rc=0
if [ "$unformatted" -ne 0 ]; then
    git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep "error:" | head -20
    format_rc=1
fi

echo "==> pytest tests/integration (IMGPIPE_BIN=$IMGPIPE_BIN)"
/usr/bin/python3 -m pytest tests/integration -p no:cacheprovider -rfEs "$@" 2>&1 |
    tee "$logs/pytest"
pytest_rc=${PIPESTATUS[0]}
pytest_summary=$(grep -E "^=+ .*(passed|failed|error|skipped|no tests ran).* =+$" "$logs/pytest" |
    tail -1)
[ -n "$pytest_summary" ] || pytest_summary="pytest produced no summary (exit $pytest_rc)"

echo
echo "==> summary"
echo "ctest:  $ctest_summary"
echo "asan:   $asan_summary"
echo "format: $unformatted unformatted diagnostics"
echo "pytest: $pytest_summary"
if [ "$ctest_rc" -ne 0 ] || [ "$pytest_rc" -ne 0 ] || [ "$asan_rc" -ne 0 ] || [ "$format_rc" -ne 0 ]; then
    echo "FAILED (ctest exit $ctest_rc, asan exit $asan_rc, format exit $format_rc, pytest exit $pytest_rc)"
    exit 1
fi
echo "ALL TESTS PASSED"
