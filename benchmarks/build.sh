#!/usr/bin/env bash
# Builds the C load generator and the C reference servers into benchmarks/bin/.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p bin
cc -O2 -Wall -Wextra -Werror -o bin/echo-load load/echo-load.c
cc -O2 -Wall -Wextra -Werror -o bin/c-echo-server c-echo-server.c
echo "built: $(ls bin | tr '\n' ' ')"
