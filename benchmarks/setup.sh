#!/usr/bin/env bash
# Installs what the benchmarks need beyond the root install: the peer packages they compare
# against (compiling the `epoll` package's addon, whose install script npm 11 does not run
# unapproved), the C load generator and reference servers, and wrk/h2load for HTTP load.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --ignore-scripts
(cd node_modules/epoll && npm exec --yes -- node-gyp rebuild >/dev/null)
./build.sh
if ! command -v wrk >/dev/null || ! command -v h2load >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk nghttp2-client >/dev/null; fi
fi
echo "benchmarks ready"
