#!/bin/sh
# The server image's commands: `serve` (default) runs the server, `migrate` applies pending
# database migrations to DATABASE_URL and exits (run it once per release, before the new pods).
set -eu
cd /app
case "${1:-serve}" in
  serve) exec node --import tsx apps/web/server.ts ;;
  migrate) exec node --import tsx packages/db/src/cli/migrate.ts ;;
  *) echo "usage: flotilla serve|migrate" >&2; exit 2 ;;
esac
