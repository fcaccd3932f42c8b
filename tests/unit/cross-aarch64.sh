#!/bin/sh
# One DSP unit test (guard or separation) built for aarch64 and run under qemu, so the
# NEON path is tested on an x86-64 build machine. Static, so no aarch64 sysroot loader
# is needed. Missing tools fail the test: meson only registers it when they are wanted.
# usage: cross-aarch64.sh CC OBJDUMP QEMU SOURCE_ROOT SCRATCH_DIR guard|separation
set -eu

cc=$1 objdump=$2 qemu=$3 src=$4 work=$5 name=$6
for tool in "$cc" "$objdump" "$qemu"; do
	command -v "$tool" >/dev/null || { echo "cross-aarch64: $tool not found" >&2; exit 1; }
done

# The project's C dialect and relevant flags; none of the host build's sanitizers.
flags="-std=c11 -O2 -D_GNU_SOURCE -fno-strict-aliasing -Wall -Wextra -Wpedantic
	-Wno-unused-parameter -I$src -I$src/lib"
mkdir -p "$work/$name"
cd "$work/$name"

# The compiler must target NEON, or the run below would test the portable path.
printf '#ifndef __ARM_NEON\n#error no NEON\n#endif\ntypedef int neon_ok;\n' >neon-check.c
# shellcheck disable=SC2086
"$cc" $flags -c neon-check.c -o neon-check.o

# shellcheck disable=SC2086
"$cc" $flags -c "$src/lib/$name.c" -o "$name.o"
if [ "$name" = guard ]; then
	# Only the NEON intrinsics emit vector fmax/fmin: gcc does not turn the portable
	# blend into them, so this fails if guard.c took its plain-C path.
	if ! "$objdump" -d "$name.o" | grep -Eq '\bf(max|min)[[:space:]]+v[0-9]+\.4s'; then
		echo "cross-aarch64: guard.o has no NEON fmax/fmin: not the NEON path" >&2
		exit 1
	fi
fi
# shellcheck disable=SC2086
"$cc" $flags -static "$src/tests/unit/test-$name.c" "$name.o" -lm -o "test-$name"
exec "$qemu" "./test-$name"
