#!/bin/sh
# Runs init.sql with the ledger roles' passwords from the environment (docker-compose.yml).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v ledger_owner_password="$ROTOR_LEDGER_OWNER_PASSWORD" \
  -v ledger_app_password="$ROTOR_LEDGER_APP_PASSWORD" \
  -f /docker-entrypoint-initdb.d/init.sql.in
