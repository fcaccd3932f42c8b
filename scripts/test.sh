#!/usr/bin/env bash
# Runs every dacguard test the way CI does: dependencies, a clang build with
# ASan+UBSan (gcc's ASan runtime clashes with umockdev's LD_PRELOAD), all meson
# suites (the unit suite also runs the guard DSP's NEON path under qemu-aarch64), then
# each fuzz target for a short while. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

builddir=${DACGUARD_TEST_BUILDDIR:-build-test}
fuzz_seconds=${DACGUARD_FUZZ_SECONDS:-60}

if [[ ! -f "$builddir/build.ninja" ]]; then
    CC=clang meson setup "$builddir" \
        -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true -Dtests=enabled \
        -Dbuildtype=debugoptimized -Dcross_tests=enabled
fi
ninja -C "$builddir"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 || status=$?

# libFuzzer targets: seeds first (they are also unit tests), then new inputs.
fuzz_failed=0
fuzz_run=0
for target in "$builddir"/tests/fuzz/fuzz-*; do
    [[ -f "$target" && -x "$target" && "$target" != *-replay ]] || continue
    name=$(basename "$target")
    corpus="tests/fuzz/corpus/${name#fuzz-}"
    work=$(mktemp -d)
    fuzz_run=$((fuzz_run + 1))
    echo "== $name for ${fuzz_seconds}s (seeds: $corpus)"
    if ! "$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" "$work" "$corpus" >"$work/log" 2>&1; then
        fuzz_failed=$((fuzz_failed + 1))
        tail -n 60 "$work/log"
        echo "$name: FAILED (artifacts in $work)"
    else
        grep -E '^Done|#[0-9]+.*DONE' "$work/log" | tail -n 1 || true
    fi
done

# One plain closing line for whoever reads the log.
python3 - "$builddir/meson-logs/testlog.json" "$fuzz_run" "$fuzz_failed" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
fuzz_run, fuzz_failed = int(sys.argv[2]), int(sys.argv[3])
passed += fuzz_run - fuzz_failed
failed += fuzz_failed
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[[ $status -eq 0 && $fuzz_failed -eq 0 ]]
