#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d), as
# the superuser. Creates the roles deploy/README.md describes:
#   motgift_owner    owns the database and every table; runs migrations and seeding
#   motgift_app      group (NOLOGIN) the migrations grant the tables to
#   motgift_service  the service's login: member of motgift_app, owns nothing, no BYPASSRLS
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$MOTGIFT_OWNER_PASSWORD" \
  -v service_password="$MOTGIFT_SERVICE_PASSWORD" <<'SQL'
CREATE ROLE motgift_owner LOGIN PASSWORD :'owner_password';
CREATE DATABASE motgift OWNER motgift_owner;
CREATE ROLE motgift_app NOLOGIN;
CREATE ROLE motgift_service LOGIN PASSWORD :'service_password' IN ROLE motgift_app;
SQL

# The schema `public` belongs to pg_database_owner (PostgreSQL 15), i.e. motgift_owner.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname motgift <<'SQL'
REVOKE ALL ON DATABASE motgift FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE motgift TO motgift_app;
SQL
