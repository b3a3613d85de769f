#!/usr/bin/env bash
# Rewrites README.md's configuration table (between the config-table markers) from the settings'
# one definition (kSettingDocs in src/app/config.cpp), via `imgpipe config markdown`. app_test
# (ConfigReportTest.ReadmeTableIsTheGeneratedOne) fails until this has been run after a change.
# Usage: scripts/gen-config-table.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake --build "$build" --target imgpipe >/dev/null
table=$("$build/src/app/imgpipe" config markdown)
TABLE="$table" /usr/bin/python3 - <<'PY'
import os, re
path = "README.md"
text = open(path, encoding="utf-8").read()
begin, end = "<!-- config-table:begin -->\n", "<!-- config-table:end -->"
i, j = text.index(begin) + len(begin), text.index(end)
open(path, "w", encoding="utf-8").write(text[:i] + os.environ["TABLE"] + "\n" + text[j:])
PY
