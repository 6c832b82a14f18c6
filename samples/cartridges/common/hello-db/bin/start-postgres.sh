#!/bin/sh
# The member's workload: PostgreSQL in the foreground, on the member's own address and port.
set -eu
. "$BUNDLE_DIR/bin/pg-env.sh"
exec $RUN_AS "$PG_BIN/postgres" -D "$PGDATA" -c listen_addresses="${MEMBER_IP:-0.0.0.0}" -c port="${PORT_5432:-5432}" -c unix_socket_directories= -c log_destination=stderr
