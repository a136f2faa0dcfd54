#!/bin/sh
# Rebuilds kernels.wasm from kernels.c. The built file is committed, so users need no compiler;
# this needs Debian's clang and lld (apt-get install -y clang lld).
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all \
  -o kernels.wasm kernels.c
# The module shares the backend's memory: a shadow stack or static data would overwrite it.
if llvm-objdump -d kernels.wasm | grep -q 'global\.[gs]et'; then
  echo "kernels.wasm uses a global (shadow stack?): refusing, see kernels.c" >&2
  rm -f kernels.wasm
  exit 1
fi
echo "built $(pwd)/kernels.wasm ($(wc -c < kernels.wasm) bytes)"
