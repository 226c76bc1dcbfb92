#!/bin/sh
# Regenerates the golden files of the Dockerfile corpus (style.md C23):
# tests/data/dockerfile/{valid,invalid}/*.golden from the parser's output.
# The hand-written invalid/*.error files (expected first error) are not touched.
# Usage: tests/data/dockerfile/update-golden.sh [build-dir]   (then review `git diff`)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../../build}
cmake --build "$build" --target tst_dockerfile_parser
BERTH_UPDATE_GOLDEN=1 "$build/tests/bin/tst_dockerfile_parser" \
    validCorpusMatchesGoldenFiles brokenCorpusReportsTheExpectedLine
git -C "$here" status --short -- .
