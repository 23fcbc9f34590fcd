#!/usr/bin/env bash
# Installs what the benchmarks need beyond the root install: the peer packages they compare
# against (compiling the `epoll` package's addon, whose install script npm 11 does not run
# unapproved; uWebSockets.js, fastify, ws, and Bun, whose binary the npm package
# @oven/bun-linux-x64 ships), the C load generators and reference servers, and, as root,
# wrk and h2load (Debian packages wrk, nghttp2-client) for the HTTP loads.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --ignore-scripts
(cd node_modules/epoll && npm exec --yes -- node-gyp rebuild >/dev/null)
echo "bun $(node_modules/@oven/bun-linux-x64/bin/bun --version)"
./build.sh
if ! command -v wrk >/dev/null || ! command -v h2load >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk nghttp2-client >/dev/null
  else
    echo "wrk and h2load are missing: run as root, or apt-get install wrk nghttp2-client" >&2
  fi
fi
echo "benchmarks ready"
