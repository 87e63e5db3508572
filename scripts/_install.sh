# Shared install steps for scripts/demo and scripts/test (sourced, not run).

install_vigil() {
  local extra="${1:-}"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  local stamp=".venv/.vigil-installed${extra:+-$extra}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c requirements.lock -e ".${extra:+[$extra]}"
    touch "$stamp"
  fi
  if [ ! -d node_modules/bootstrap ] || [ ! -d node_modules/htmx.org ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    if command -v npm >/dev/null 2>&1; then
      npm ci --no-audit --no-fund --loglevel=error
    else
      echo "npm is needed once to install the pinned front-end assets (bootstrap, htmx)." >&2
      exit 1
    fi
  fi
}

install_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "The browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)." >&2
    fi
  fi
}
