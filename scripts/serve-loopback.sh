#!/usr/bin/env bash
# Serves the site on loopback as production does: gunicorn (2 sync workers) behind nginx with
# the shipped configuration (deploy/nginx/gongkai.conf, proxy_cache in front of gunicorn).
# For the benchmark and its tests; stops both (and removes its temporary directory) on exit.
#
#   scripts/serve-loopback.sh NGINX_PORT GUNICORN_PORT
#
# The site's settings come from the environment as for any gongkai process (DATABASE_URL,
# GONGKAI_VAR_DIR, SECRET_KEY, DJANGO_SETTINGS_MODULE ...). Static files are served by nginx
# from the directory holding STATIC_ROOT's "static" (default $GONGKAI_VAR_DIR/static, or
# var/static); COLLECTSTATIC=1 runs `gongkai collectstatic` first. Other knobs:
#   GUNICORN_WORKERS (2), NGINX_WORKERS (1), GK_PYTHON (.venv/bin/python)
# When both answer it prints one line, "serving http://127.0.0.1:NGINX_PORT/ ...", then
# waits; SIGINT/SIGTERM (or either server dying) stops both. nginx runs as the current user
# (as root its workers stay root: nothing else may read the temporary directory).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 NGINX_PORT GUNICORN_PORT" >&2
  exit 2
fi
nginx_port=$1
gunicorn_port=$2
root_dir="$(cd "$(dirname "$0")/.." && pwd)"
python=${GK_PYTHON:-$root_dir/.venv/bin/python}
nginx_bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$nginx_bin" ]; then
  echo "nginx is not installed (Debian: apt-get install nginx; scripts/system-deps.sh test)" >&2
  exit 1
fi
var_dir=${GONGKAI_VAR_DIR:-$root_dir/var}
static_root=${STATIC_ROOT:-$var_dir/static}
if [ "$(basename "$static_root")" != static ]; then
  echo "STATIC_ROOT must end in /static (nginx serves /static/ from the directory above it)" >&2
  exit 2
fi
mkdir -p "$static_root"

prefix=$(mktemp -d "${TMPDIR:-/tmp}/gongkai-loopback.XXXXXX")
gunicorn_pid=
nginx_pid=
stop() {
  trap - EXIT INT TERM
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
  fi
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid" 2>/dev/null || true
  fi
  for pid in $nginx_pid $gunicorn_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$prefix"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${COLLECTSTATIC:-0}" = 1 ]; then
  STATIC_ROOT="$static_root" "$python" -m gongkai collectstatic --noinput -v 0
fi

# The shipped file, with the loopback's upstream, port, cache directory and static root.
mkdir -p "$prefix/cache" "$prefix/temp"
sed -e "s|server unix:/run/gongkai/gunicorn.sock|server 127.0.0.1:$gunicorn_port|" \
    -e "s|listen 80;|listen 127.0.0.1:$nginx_port;|" \
    -e "s|/var/cache/nginx/gongkai|$prefix/cache|" \
    -e "s|root /srv/gongkai/var;|root $(dirname "$static_root");|" \
    "$root_dir/deploy/nginx/gongkai.conf" >"$prefix/gongkai.conf"
user_line=
if [ "$(id -u)" -eq 0 ]; then
  user_line="user $(id -un) $(id -gn);"
fi
cat >"$prefix/nginx.conf" <<CONF
$user_line
worker_processes ${NGINX_WORKERS:-1};
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    keepalive_requests 10000;
    client_body_temp_path $prefix/temp/body;
    proxy_temp_path $prefix/temp/proxy;
    fastcgi_temp_path $prefix/temp/fastcgi;
    uwsgi_temp_path $prefix/temp/uwsgi;
    scgi_temp_path $prefix/temp/scgi;
    include $prefix/gongkai.conf;
}
CONF
"$nginx_bin" -t -q -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf"

cd "$root_dir"
STATIC_ROOT="$static_root" "$python" -m gunicorn gongkai.wsgi:application \
  --bind "127.0.0.1:$gunicorn_port" --workers "${GUNICORN_WORKERS:-2}" \
  --pid "$prefix/gunicorn.pid" --log-level warning --error-logfile "$prefix/gunicorn.log" \
  --graceful-timeout 5 &
gunicorn_pid=$!
"$nginx_bin" -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" &
nginx_pid=$!

# Both answer /healthz (gunicorn directly, then through nginx), or give up after 30 s.
"$python" - "$gunicorn_port" "$nginx_port" <<'PY'
import http.client, sys, time
deadline = time.monotonic() + 30
for port in map(int, sys.argv[1:]):
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"nothing answers on 127.0.0.1:{port}")
        time.sleep(0.1)
PY
echo "serving http://127.0.0.1:$nginx_port/ (nginx, cache in $prefix/cache) -> gunicorn 127.0.0.1:$gunicorn_port"
# Until a signal, or until either server stops.
wait -n "$gunicorn_pid" "$nginx_pid" || true
echo "a server stopped; see $prefix (removed on exit)" >&2
tail -n 20 "$prefix/error.log" "$prefix/gunicorn.log" >&2 2>/dev/null || true
exit 1
