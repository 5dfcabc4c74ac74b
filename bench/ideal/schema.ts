import type { Dialect } from './store.js';

// The ideal endpoint's own tables: the columns, keys, unique indexes and foreign keys the real
// schema (prisma/schema.prisma) has on the rows these scenarios read and write, so an INSERT or
// UPDATE here maintains as many indexes as the real one. Times are epoch microseconds (strictly
// increasing per process: "the latest flow" never ties). JSON columns are TEXT on SQLite, jsonb on
// PostgreSQL, as Prisma maps them.

const DDL = `
CREATE TABLE tenant (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE app (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenant (id), name TEXT NOT NULL, client_id TEXT NOT NULL UNIQUE,
  client_secret_hash TEXT NOT NULL, redirect_uris JSONB NOT NULL, login_preferences JSONB NOT NULL);
CREATE TABLE "user" (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenant (id), email TEXT, email_verified_at BIGINT, phone_number TEXT,
  status TEXT NOT NULL, status_changed_at BIGINT NOT NULL, profile JSONB NOT NULL, last_auth_at BIGINT,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (tenant_id, email), UNIQUE (tenant_id, phone_number));
CREATE TABLE user_app (
  user_id TEXT NOT NULL REFERENCES "user" (id), app_id TEXT NOT NULL REFERENCES app (id), username TEXT,
  PRIMARY KEY (user_id, app_id), UNIQUE (app_id, username));
CREATE TABLE lockout (app_id TEXT NOT NULL, user_id TEXT NOT NULL, method TEXT NOT NULL, locked_until BIGINT NOT NULL, PRIMARY KEY (app_id, user_id, method));
CREATE TABLE flow (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
  secret_hash TEXT UNIQUE, input JSONB NOT NULL, state_value TEXT NOT NULL, context JSONB NOT NULL, events JSONB NOT NULL,
  version INTEGER NOT NULL, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX flow_latest ON flow (app_id, user_id, kind, created_at);
CREATE INDEX flow_expires ON flow (expires_at);
CREATE TABLE session (
  id TEXT PRIMARY KEY, id_hash TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL REFERENCES tenant (id), user_id TEXT NOT NULL REFERENCES "user" (id),
  created_by_app_id TEXT NOT NULL, state_value TEXT NOT NULL, input JSONB NOT NULL, context JSONB NOT NULL, events JSONB NOT NULL,
  version INTEGER NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX session_by_user ON session (user_id);
CREATE INDEX session_by_expiry ON session (expires_at);
CREATE INDEX session_by_end ON session (ended_at);
CREATE TABLE refresh_family (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL,
  session_id TEXT REFERENCES session (id) ON DELETE CASCADE, current_hash TEXT NOT NULL UNIQUE, grant_claims JSONB NOT NULL,
  state_value TEXT NOT NULL, context JSONB NOT NULL, events JSONB NOT NULL, version INTEGER NOT NULL,
  expires_at BIGINT NOT NULL, ended_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX refresh_family_session ON refresh_family (session_id);
CREATE INDEX refresh_family_expires ON refresh_family (expires_at);
CREATE INDEX refresh_family_ended ON refresh_family (ended_at);
CREATE TABLE refresh_token (
  token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL REFERENCES refresh_family (id) ON DELETE CASCADE,
  generation INTEGER NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX refresh_token_family ON refresh_token (family_id);
CREATE TABLE session_event (
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE, seq INTEGER NOT NULL, type TEXT NOT NULL, at BIGINT NOT NULL,
  state TEXT NOT NULL, app_id TEXT NOT NULL, fields JSONB NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE refresh_family_event (
  family_id TEXT NOT NULL REFERENCES refresh_family (id) ON DELETE CASCADE, seq INTEGER NOT NULL, type TEXT NOT NULL, at BIGINT NOT NULL,
  state TEXT NOT NULL, fields JSONB NOT NULL, PRIMARY KEY (family_id, seq));
CREATE TABLE delivery (id TEXT PRIMARY KEY, channel TEXT NOT NULL, "to" TEXT NOT NULL, subject TEXT, text TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX delivery_to ON delivery ("to");
CREATE INDEX delivery_created ON delivery (created_at);
`;

export const schemaFor = (dialect: Dialect): string => (dialect === 'sqlite' ? DDL.replaceAll('JSONB', 'TEXT') : DDL);

/** Appends one event to a JSON array column in the UPDATE itself, as the real flow write does
 * (sessions and refresh families append a row to their own log tables instead). */
export const appendEvent = (dialect: Dialect): string => (dialect === 'sqlite' ? `events = json_insert(events, '$[#]', json(?))` : `events = events || jsonb_build_array(?::jsonb)`);
