#!/usr/bin/env bash
# Builds the C load generators and the C reference servers into benchmarks/bin/.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p bin
cc -O2 -Wall -Wextra -Werror -o bin/echo-load load/echo-load.c
cc -O2 -Wall -Wextra -Werror -o bin/ws-load load/ws-load.c
cc -O2 -Wall -Wextra -Werror -o bin/c-echo-server c-echo-server.c
cc -O2 -Wall -Wextra -Werror -I. -o bin/c-hello-server http/servers/c-hello-server.c
bin/ws-load --self-test >/dev/null
echo "built: $(ls bin | tr '\n' ' ')"
