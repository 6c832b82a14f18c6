#!/bin/sh
# The member's workload: PostgreSQL in the foreground, on the member's own address and port.
set -eu
. "$BUNDLE_DIR/bin/pg-env.sh"
# The volume is this member's alone, and this starts its one PostgreSQL: a lock file there is an
# instance's that was killed or frozen (a crash; a live migration's source), whose pid may be
# another process's here. PostgreSQL recovers what it left from its WAL.
rm -f "$PGDATA/postmaster.pid"
$RUN_AS "$PG_BIN/postgres" -D "$PGDATA" -c listen_addresses="${MEMBER_IP:-0.0.0.0}" -c port="${PORT_5432:-5432}" -c unix_socket_directories= -c log_destination=stderr &
pg=$!
# Stopping the member sends SIGTERM: PostgreSQL's "smart" shutdown, which waits for every client to
# leave — a web tier's kept connections never do. Its "fast" shutdown (SIGINT) ends their sessions,
# writes a checkpoint and exits in a moment.
trap 'kill -INT "$pg" 2>/dev/null || true' TERM INT
status=0
wait "$pg" || status=$?
# A trapped signal ends the wait early: wait for PostgreSQL itself.
while kill -0 "$pg" 2>/dev/null; do wait "$pg" || status=$?; done
exit "$status"
