# Shared by scripts/test.sh and scripts/quickstart.sh (sourced, not run): installing and
# starting local services on 127.0.0.1 only.

need() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  if need apt-get; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $*" >&2
    exit 1
  fi
}

# A project-local virtualenv with moto (the local AWS endpoint), from PyPI.
ensure_moto() {
  VENV="$ROOT/.venv"
  if [ ! -x "$VENV/bin/moto_server" ]; then
    need python3 || apt_install python3 python3-venv
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto PORT LOGFILE: starts moto in the background, waits until it answers, and sets
# MOTO_PID.
start_moto() {
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/moto-api/')" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "moto did not start; see $2" >&2
  return 1
}
