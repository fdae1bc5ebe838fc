# Sourced by the scripts: make .venv exist and hold what pyproject.toml asks for.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${LIMS_VENV:-$ROOT/.venv}"
EXTRAS="${1:-}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> Creating the virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
stamp="$VENV/.lims-installed${EXTRAS:+-$EXTRAS}"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> Installing the LIMS and its dependencies (pyproject.toml)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${EXTRAS:+[$EXTRAS]}"
    echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
