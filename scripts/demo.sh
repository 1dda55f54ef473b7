#!/usr/bin/env bash
# Serves the demo: the task worker (`gongkai db_worker`, tasks kept in the same SQLite
# database) in the background, the web server in the foreground. When the server stops
# (Ctrl+C), the worker is stopped too.
#   scripts/demo.sh [PORT]        GK=path/to/gongkai overrides the command
set -euo pipefail
cd "$(dirname "$0")/.."
GK=${GK:-.venv/bin/gongkai}
port=${1:-8000}
worker=
stop() {
  if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then
    # SIGTERM: db_worker finishes the task in hand, then exits.
    kill -TERM "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Deliveries a previous run left pending (its worker was stopped mid-way) are sent again.
"$GK" notifications -v 0 deliver-pending --older-than 0
"$GK" db_worker --no-reload --interval 1 -v 0 &
worker=$!
echo "task worker started (pid $worker); e-mails are written to var/mail/"
# Today's compliance run (in production cron runs `gongkai remind` each morning): obligations
# of the periods begun since the demo was loaded, states by today's calendar, reminders.
"$GK" remind
"$GK" runserver "127.0.0.1:$port"
