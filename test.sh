#!/usr/bin/env bash
# Runs the whole test suite on a fresh clone: Node 24 provided when this machine's Node is older than 22.12
# (scripts/provide-node.sh), then `npm ci && npm test`. Arguments go to `npm test` (`./test.sh cli` runs cli tests).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/provide-node.sh
provide_node "$(pwd)"
npm ci --no-audit --no-fund
npm test -- "$@"
