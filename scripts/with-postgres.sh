#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1:
#   scripts/with-postgres.sh swift test
# The server lives in a temporary directory on a free port, the command sees its URL in
# AUGUR_TEST_POSTGRES_URL (and the PG* variables for the server's binaries), and the server is
# stopped and deleted afterwards, whatever the command's outcome.
set -euo pipefail

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
    [[ -x "$candidate/initdb" ]] && bindir="$candidate"
done
if [[ -z "$bindir" ]]; then
    echo "with-postgres: no PostgreSQL server binaries found (apt-get install postgresql)" >&2
    exit 1
fi

datadir="$(mktemp -d /tmp/augur-pg.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

# initdb refuses to run as root; run the server as the 'postgres' system user then.
as_server_user=()
if [[ "$(id -u)" == "0" ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$datadir"
    as_server_user=(runuser -u postgres --)
fi

cleanup() {
    "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$datadir"
}
trap cleanup EXIT

"${as_server_user[@]}" "$bindir/initdb" -D "$datadir/data" -U augur --auth=trust -E UTF8 >"$datadir/initdb.log" 2>&1 || {
    cat "$datadir/initdb.log" >&2
    exit 1
}
"${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $datadir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || {
    cat "$datadir/server.log" >&2
    exit 1
}
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U augur augur_test

export AUGUR_TEST_POSTGRES_URL="postgres://augur@127.0.0.1:$port/augur_test"
export AUGUR_TEST_POSTGRES_BINDIR="$bindir"
export AUGUR_TEST_POSTGRES_DATADIR="$datadir/data"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
