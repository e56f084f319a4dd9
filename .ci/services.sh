#!/usr/bin/env bash
# Installs and starts what brightline's tests need beyond the Rust toolchain on a
# fresh Debian machine (run as root): PostgreSQL for the decision-log store
# tests, Chromium and ChromeDriver for the web-console browser tests.
# Idempotent: safe to run again. Prints, as its last line,
#   export BRIGHTLINE_TEST_PG='…'
# for the caller to eval.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# The simulation charts render text with a system font.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
fi

# The newest installed cluster; create one if the package left none.
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"; then
    pg_createcluster "$ver" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$ver" main start >&2
fi
for _ in $(seq 1 30); do
    su postgres -c "psql -qAt -c 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -qAt -c 'select 1'" >/dev/null
if ! su postgres -c "psql -qAt -c \"select 1 from pg_database where datname='brightline_test'\"" | grep -q 1; then
    su postgres -c "createdb brightline_test" >&2
fi
# Peer authentication over the Unix socket needs the OS user to match; tests run
# as root, so give root a superuser role of its own.
if ! su postgres -c "psql -qAt -c \"select 1 from pg_roles where rolname='root'\"" | grep -q 1; then
    su postgres -c "createuser --superuser root" >&2
fi
echo "export BRIGHTLINE_TEST_PG='host=/var/run/postgresql user=root dbname=brightline_test'"
