# Sourced by install.sh and test.sh: makes `node` on PATH Node.js 22.12 or newer. Where this machine's Node is
# older, fetches Node 24 from the npm registry (the node-<os>-<cpu> package ships the binary and its headers) into
# .node/ of the checkout once, and puts it first on PATH with npm_config_nodedir set, so that npm and the native
# modules it builds (better-sqlite3) run on and build for it without the internet. A recent Node is left alone.
# Decision: docs/decisions/013-node-24.md.

# True when the node binary $1 is 22.12 or newer (Hearth's `engines`; bin/node-version.js holds the same rule).
node_is_recent() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

# provide_node ROOT: sets PROVIDED_NODE to ROOT/.node/bin/node when it had to provide one, else leaves it empty.
provide_node() {
  local root="$1" dir="$1/.node" old tmp pkg
  PROVIDED_NODE=""
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "error: Node.js and npm are not installed." >&2
    echo "hint: Install Node.js 24 (22.12 at least) with npm, e.g. from nodejs.org; with an older Node and npm, this script provides Node 24 itself." >&2
    return 1
  fi
  node_is_recent node && return 0
  old="$(node --version)"
  if ! node_is_recent "$dir/bin/node"; then
    # Unpacked beside .node and renamed at the end, so an interrupted fetch never leaves a half .node behind.
    pkg="node-$(node -p 'process.platform + "-" + process.arch')@24"
    tmp="$root/.node-fetching"
    rm -rf "$tmp" && mkdir -p "$tmp"
    if ! (cd "$tmp" && npm pack "$pkg" --silent >/dev/null 2>npm-pack.log && tar xzf ./*.tgz); then
      echo "error: Node.js $old is older than 22.12, and Node.js 24 could not be fetched from the npm registry ($pkg):" >&2
      cat "$tmp/npm-pack.log" >&2 2>/dev/null
      echo "hint: Install Node.js 24 (22.12 at least) yourself, or check that npm reaches its registry (npm ping)." >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  echo "==> Node.js $old is older than 22.12: using Node.js $("$dir/bin/node" --version) from the npm registry, in .node/"
  export PATH="$dir/bin:$PATH"
  # node-gyp finds the headers here (include/node/common.gypi) instead of downloading them.
  export npm_config_nodedir="$dir"
  PROVIDED_NODE="$dir/bin/node"
}
