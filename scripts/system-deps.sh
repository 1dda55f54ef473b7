#!/usr/bin/env bash
# Installs the Debian packages the project needs, only where they are missing.
#   scripts/system-deps.sh base   - what `make setup` needs: gettext for the translations; Pango,
#                                   HarfBuzz's subsetter and the Noto CJK fonts for WeasyPrint
#                                   (summaries and assessment results as PDF, charts as PNG)
#   scripts/system-deps.sh test   - plus the PostgreSQL server, Chromium, faketime
#                                   (libfaketime: `make test-clock` runs tests with the clock moved)
#                                   and the Redis server (the RQ worker's integration test), nginx
#                                   (scripts/serve-loopback.sh: the shipped proxy_cache in front of
#                                   gunicorn, its test and the benchmark);
#                                   poppler-utils (pdftoppm) and zbar-tools (zbarimg): the board
#                                   tests rasterize the PDFs and decode every QR code
set -euo pipefail
want=${1:-base}
missing=()
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "$want" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  id postgres >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v faketime >/dev/null 2>&1 || missing+=(faketime)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "these Debian packages are missing: ${missing[*]}; install them as root (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
