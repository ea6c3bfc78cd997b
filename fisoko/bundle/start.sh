#!/bin/sh
# Start the local cabinet from the offline bundle: a venv from wheels/ on the first run (again
# when it is broken), then the server; the browser opens once /healthz answers.
cd "$(dirname "$0")" || exit 1

fail() {
  printf '\n%s\n' "ОШИБКА: $1" >&2
  exit 1
}

PYTHON=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    PYTHON="$candidate"
    break
  fi
done
[ -n "$PYTHON" ] || fail "не найден Python 3.10 или новее. Установите его: sudo apt install python3 python3-venv"

ready() {
  [ -f ".venv/fisoko-ready" ] && .venv/bin/python -c "import flask, waitress, yaml, bcrypt" 2>/dev/null
}

if ! ready; then
  echo "Первый запуск: устанавливаю пакеты из папки wheels (интернет не нужен)..."
  rm -rf ".venv"
  if ! "$PYTHON" -m venv ".venv" >/dev/null 2>&1; then
    rm -rf ".venv"
    fail "в Python нет модуля venv. Установите пакет python3-venv: sudo apt install python3-venv"
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-index \
    --find-links "wheels" --require-hashes -r "requirements-lock.txt" ||
    fail "не удалось установить пакеты из папки wheels. Распакуйте архив заново."
  : >".venv/fisoko-ready"
fi

exec .venv/bin/python -m fisoko.bundle.launch "$@"
