#!/usr/bin/env bash
# Finds the test corpus (a copy of shared/testdata: images and SigV4 vectors, not in the
# repository) and prints its absolute path. The one setting is IMGPIPE_TESTDATA (relative to
# the current directory); unset, ../shared/testdata beside the repository. Without it, prints
# one line naming the path and the variable on stderr and exits 1, so `make test` stops at once
# instead of building for minutes and then failing every test that reads an image.
set -euo pipefail

if [ -n "${IMGPIPE_TESTDATA:-}" ]; then
    dir=$(realpath -m -- "$IMGPIPE_TESTDATA")
else
    dir=$(realpath -m -- "$(dirname "$0")/../../shared/testdata")
fi
if [ ! -d "$dir" ]; then
    echo "imgpipe: test corpus not found at $dir; set IMGPIPE_TESTDATA to a copy of shared/testdata" >&2
    exit 1
fi
echo "$dir"
