#!/bin/sh
# First boot of a generic image: a database cluster on the member's volume, with the database and
# user the cartridge names and a password generated here. The password is kept on the volume (a
# replacement member of the same slot gets the same data, and so the same password) and exported
# (DB_PASSWORD) to the clusters that start after this one: it reaches their templates, never a log.
set -eu
. "$BUNDLE_DIR/bin/pg-env.sh"
mkdir -p /pgdata
[ -z "$RUN_AS" ] || chown postgres:postgres /pgdata
chmod 0700 /pgdata
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA" /pgdata/password
  umask 077
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > /pgdata/password.new
  [ -z "$RUN_AS" ] || chown postgres:postgres /pgdata/password.new
  $RUN_AS "$PG_BIN/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile=/pgdata/password.new -A scram-sha-256 -E UTF8 --no-locale >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  $RUN_AS "$PG_BIN/postgres" --single -D "$PGDATA" -c unix_socket_directories= postgres >/dev/null <<SQL
CREATE DATABASE $DB_NAME OWNER $DB_USER;
SQL
  $RUN_AS "$PG_BIN/postgres" --single -D "$PGDATA" -c unix_socket_directories= "$DB_NAME" >/dev/null <<SQL
CREATE TABLE greetings (id serial PRIMARY KEY, said_by text NOT NULL, said_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE greetings OWNER TO $DB_USER;
INSERT INTO greetings (said_by) VALUES ('provisioning');
SQL
  mv /pgdata/password.new /pgdata/password
  echo "initialised a PostgreSQL cluster (database $DB_NAME, user $DB_USER) in $PGDATA with $PG_BIN"
else
  echo "the volume already holds a PostgreSQL cluster: kept"
fi
echo "DB_PASSWORD=$(cat /pgdata/password)" >> "$STRATOS_EXPORTS"
