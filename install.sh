#!/usr/bin/env bash
# Installs and runs Hearth on this machine: checks Node (providing Node 24 where it is older than 22.12), installs
# dependencies, type-checks, prepares the data directory, runs migrations, makes the first admin, then starts the
# server (or writes a systemd unit).
# Safe to run again: each step skips what is already done.
set -euo pipefail

DATA_DIR="./data"
PORT="${PORT:-3000}"
ADMIN_EMAIL=""
ADMIN_USERNAME=""
ADMIN_PASSWORD="${HEARTH_ADMIN_PASSWORD:-}"
SERVICE=0
SERVICE_FILE="/etc/systemd/system/hearth.service"
SERVICE_USER="${SUDO_USER:-$(id -un)}"
START=1

usage() {
  cat <<'USAGE'
Usage: ./install.sh [options]

  --data DIR               data directory (default ./data)
  --port N                 port to listen on (default 3000)
  --admin-email EMAIL      create the first admin with this email...
  --admin-username NAME    ...and this username (default: from the email)
  --admin-password PASS    ...and this password (or set HEARTH_ADMIN_PASSWORD)
  --service                write a systemd unit instead of starting in the foreground
  --service-file PATH      where to write the unit (default /etc/systemd/system/hearth.service)
  --service-user NAME      the account the service runs as (default: the one who ran sudo, else you)
  --no-start               install and prepare, but do not start
  -h, --help               show this help

Without admin flags, an interactive run asks for the admin's details; a
non-interactive run prints a one-time setup link to open in a browser.
USAGE
}

fail() { echo "error: $1" >&2; [ -n "${2:-}" ] && echo "hint: $2" >&2; exit "${3:-1}"; }
step() { echo "==> $1"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA_DIR="${2:?--data needs a directory}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --admin-email) ADMIN_EMAIL="${2:?--admin-email needs an address}"; shift 2 ;;
    --admin-username) ADMIN_USERNAME="${2:?--admin-username needs a name}"; shift 2 ;;
    --admin-password) ADMIN_PASSWORD="${2:?--admin-password needs a password}"; shift 2 ;;
    --service) SERVICE=1; shift ;;
    --service-file) SERVICE_FILE="${2:?--service-file needs a path}"; shift 2 ;;
    --service-user) SERVICE_USER="${2:?--service-user needs an account name}"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option: $1" "" 2 ;;
  esac
done
case "$PORT" in ''|*[!0-9]*) fail "the port must be a number, not \"$PORT\"." "" 2 ;; esac

cd "$(dirname "$0")"
ROOT="$(pwd)"
DATA_DIR="$(mkdir -p "$DATA_DIR" && cd "$DATA_DIR" && pwd)"
hearth() { "$NODE_BIN" "$ROOT/bin/hearth.js" "$@"; }

step "Checking Node.js"
# Node 22.12 or newer; an older one gets Node 24 from the npm registry in .node/, first on PATH from here on.
. "$ROOT/scripts/provide-node.sh"
provide_node "$ROOT" || exit 1
NODE_BIN="$(command -v node)"

step "Installing dependencies"
# The Node's module ABI is part of the stamp: native modules built for another Node must be built again.
LOCK_HASH="$(sha256sum package-lock.json | cut -d' ' -f1) node-abi-$(node -p process.versions.modules)"
STAMP="node_modules/.hearth-installed"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_HASH" ]; then
  echo "    already installed for this package-lock.json"
else
  npm ci --no-audit --no-fund || fail "npm ci failed." "better-sqlite3 may need build tools: apt-get install -y python3 make g++"
  echo "$LOCK_HASH" > "$STAMP"
fi

step "Type-checking"
npm run --silent typecheck || fail "the type check failed." "This checkout is broken; update it or report the error above."

step "Preparing $DATA_DIR"
INIT_JSON="$(hearth init --data "$DATA_DIR" --json --url "${HEARTH_PUBLIC_URL:-http://localhost:$PORT}")"
hearth migrate --data "$DATA_DIR" >/dev/null
# A new community starts with the feature plugins on; later runs leave the operator's choices alone.
if [ ! -f "$DATA_DIR/.installed" ]; then
  for plugin in stories groups random-chat messages live coins; do hearth plugin enable "$plugin" --data "$DATA_DIR" >/dev/null; done
  date -u +%FT%TZ > "$DATA_DIR/.installed"
fi
ADMIN_EXISTS="$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).admin_exists))' "$INIT_JSON")"
SETUP_URL="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).setup_url ?? "")' "$INIT_JSON")"

if [ "$ADMIN_EXISTS" = "true" ]; then
  step "An admin account exists; leaving accounts alone"
else
  if [ -z "$ADMIN_EMAIL" ] && [ -t 0 ] && [ -t 1 ]; then
    step "Creating the first admin"
    read -r -p "    Admin email: " ADMIN_EMAIL
    read -r -p "    Admin username: " ADMIN_USERNAME
    read -r -s -p "    Admin password (10+ characters): " ADMIN_PASSWORD; echo
  fi
  if [ -n "$ADMIN_EMAIL" ]; then
    DERIVED=0
    if [ -z "$ADMIN_USERNAME" ]; then
      ADMIN_USERNAME="$(echo "${ADMIN_EMAIL%%@*}" | tr -c 'A-Za-z0-9_\n' '_' | cut -c1-30)"
      DERIVED=1
    fi
    CREATE=(user create --data "$DATA_DIR" --admin --username "$ADMIN_USERNAME" --email "$ADMIN_EMAIL")
    if [ -n "$ADMIN_PASSWORD" ]; then
      printf '%s' "$ADMIN_PASSWORD" | hearth "${CREATE[@]}" --password-stdin || FAILED=1
    else
      hearth "${CREATE[@]}" || FAILED=1
    fi
    if [ "${FAILED:-0}" = 1 ]; then
      [ "$DERIVED" = 1 ] && fail "the admin account was not created (username \"$ADMIN_USERNAME\" came from the email)." "Choose one with --admin-username NAME."
      fail "the admin account was not created." "Fix the value named above and run ./install.sh again; nothing else changed."
    fi
  else
    step "No admin yet. Open this one-time link after the server starts to create one:"
    echo "    $SETUP_URL"
  fi
fi

if [ "$SERVICE" = 1 ]; then
  step "Writing systemd unit $SERVICE_FILE"
  UNIT="[Unit]
Description=Hearth community platform
After=network.target

[Service]
Type=simple
WorkingDirectory=$ROOT
ExecStart=$NODE_BIN $ROOT/bin/hearth.js start --data $DATA_DIR --port $PORT
Restart=always
RestartSec=2
Environment=NODE_ENV=production
User=$SERVICE_USER

[Install]
WantedBy=multi-user.target
"
  if [ -f "$SERVICE_FILE" ] && printf '%s' "$UNIT" | cmp -s - "$SERVICE_FILE"; then
    echo "    unchanged"
  else
    mkdir -p "$(dirname "$SERVICE_FILE")"
    printf '%s' "$UNIT" > "$SERVICE_FILE"
    # Under sudo the files were made by root; the service account must own its data.
    if [ "$(id -u)" = 0 ] && [ "$SERVICE_USER" != root ]; then chown -R "$SERVICE_USER" "$DATA_DIR"; fi
    echo "    written; start it with: systemctl daemon-reload && systemctl enable --now hearth"
  fi
  exit 0
fi

if [ "$START" = 1 ]; then
  step "Starting Hearth on port $PORT (Ctrl-C stops it)"
  exec "$NODE_BIN" "$ROOT/bin/hearth.js" start --data "$DATA_DIR" --port "$PORT"
fi
if [ -n "$PROVIDED_NODE" ]; then
  step "Installed. Start with: $PROVIDED_NODE $ROOT/bin/hearth.js start --data $DATA_DIR --port $PORT"
else
  step "Installed. Start with: npx hearth start --data $DATA_DIR --port $PORT"
fi
