#!/usr/bin/env bash
# Set up SaferHub on this machine: a virtual environment in .venv with the
# package and its development tools. Safe to run again; it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$candidate"; break
  fi
done
if [ -z "$PY" ]; then
  echo "SaferHub needs Python 3.11 or newer; none was found on PATH." >&2
  exit 1
fi

if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "Installing python3-venv (Debian) ..."
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi

# System libraries: WeasyPrint (briefing PDFs) needs Pango; HarfBuzz's subsetter makes
# its fonts small and fast; poppler-utils turns PDFs into page images (the tests look at
# the greyscale print); openssl makes the test mail server's certificate.
missing=()
# Node.js and npm fetch the web app's front-end assets from the npm registry (never a CDN
# at run time); Chromium runs the browser tests (Playwright drives Debian's /usr/bin/chromium).
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils openssl chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]} ..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || echo "Could not install ${missing[*]}: briefing PDFs need Pango, the web app's assets need npm, browser tests need chromium." >&2
fi

if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $("$PY" --version) ..."
  "$PY" -m venv .venv
fi

stamp=.venv/.saferhub-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing SaferHub and its tools into .venv (a few minutes the first time) ..."
  # (Some machines' pip configuration names package folders that do not exist; its
  # warnings about them say nothing about SaferHub, so they are left out.)
  { .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[dev]"; } 2> >(grep -v "^WARNING: Location .* is ignored" >&2)
  touch "$stamp"
fi

# The web app's front-end assets (GOV.UK Frontend, Leaflet, HTMX, Swagger UI; axe-core for
# the accessibility tests), from the npm registry, copied into the package's static folder.
assets=src/saferhub/web/static/vendor/saferhub/saferhub.css
if [ ! -f "$assets" ] || [ frontend/package-lock.json -nt "$assets" ] || [ frontend/build.mjs -nt "$assets" ] \
   || [ frontend/saferhub.scss -nt "$assets" ] || [ frontend/_app.scss -nt "$assets" ]; then
  echo "Installing the web app's front-end assets from the npm registry ..."
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs)
fi
