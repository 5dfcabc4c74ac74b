-- The engine of issue 8. Codes in flight and refresh tokens of the previous engine are not carried
-- over (codes live minutes, offline clients sign in again), sessions are, as statechart instances.
DELETE FROM "challenge";
DELETE FROM "flow_event";
DELETE FROM "flow";
DELETE FROM "refresh_token";

-- DropIndex
DROP INDEX "challenge_used_at_idx";

-- DropIndex
DROP INDEX "challenge_expires_at_idx";

-- DropIndex
DROP INDEX "challenge_app_id_user_id_kind_used_at_idx";

-- DropIndex
DROP INDEX "challenge_flow_id_idx";

-- DropIndex
DROP INDEX "challenge_secret_hash_key";

-- DropIndex
DROP INDEX "flow_event_flow_id_seq_key";

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "challenge";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "flow_event";
PRAGMA foreign_keys=on;

-- CreateTable
CREATE TABLE "refresh_family" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "session_id" TEXT,
    "current_hash" TEXT NOT NULL,
    "grant" JSONB NOT NULL,
    "machine_version" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "state_value" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "refresh_family_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_flow" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "machine_version" INTEGER NOT NULL,
    "subject" TEXT,
    "secret_hash" TEXT,
    "input" JSONB NOT NULL,
    "state_value" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL
);
DROP TABLE "flow";
ALTER TABLE "new_flow" RENAME TO "flow";
CREATE UNIQUE INDEX "flow_secret_hash_key" ON "flow"("secret_hash");
CREATE INDEX "flow_app_id_user_id_kind_created_at_idx" ON "flow"("app_id", "user_id", "kind", "created_at");
CREATE INDEX "flow_expires_at_idx" ON "flow"("expires_at");
CREATE TABLE "new_refresh_token" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "family_id" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "refresh_token_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_family" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
DROP TABLE "refresh_token";
ALTER TABLE "new_refresh_token" RENAME TO "refresh_token";
CREATE INDEX "refresh_token_family_id_idx" ON "refresh_token"("family_id");
CREATE TABLE "new_session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "id_hash" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_by_app_id" TEXT NOT NULL,
    "machine_version" INTEGER NOT NULL DEFAULT 2,
    "state" TEXT NOT NULL,
    "state_value" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "context" JSONB NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "session_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
-- Each session becomes an instance of the session statechart: its columns become its context.
INSERT INTO "new_session" ("created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "state", "tenant_id", "updated_at", "user_id", "version", "machine_version", "state_value", "input", "context")
SELECT "created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "state", "tenant_id", "updated_at", "user_id", "version", 2,
  CASE "state" WHEN 'active' THEN 'active.live' WHEN 'expired' THEN 'expired.lapsed' ELSE CASE "end_reason" WHEN 'revoked' THEN 'terminated.revoked' ELSE 'terminated.loggedOut' END END,
  json_object('tenantId', "tenant_id", 'userId', "user_id", 'method', json_extract("methods", '$[0]'), 'at', CAST(ROUND((julianday("created_at") - 2440587.5) * 86400000) AS INTEGER), 'ttlMs', 1209600000),
  json_object('tenantId', "tenant_id", 'userId', "user_id", 'methods', json("methods"), 'authTime', CAST(ROUND((julianday("auth_time") - 2440587.5) * 86400000) AS INTEGER), 'expiresAt', CAST(ROUND((julianday("expires_at") - 2440587.5) * 86400000) AS INTEGER), 'ttlMs', 1209600000, 'stepUpRequired', json('false'))
FROM "session";
-- Their logged authentications name the user (the new log keeps every field a guard reads).
UPDATE "session_event" SET "details" = json_set(COALESCE("details", '{}'), '$.userId', (SELECT "user_id" FROM "session" WHERE "session"."id" = "session_event"."session_id")) WHERE "type" = 'session.authenticate';
DROP TABLE "session";
ALTER TABLE "new_session" RENAME TO "session";
CREATE UNIQUE INDEX "session_id_hash_key" ON "session"("id_hash");
CREATE INDEX "session_user_id_idx" ON "session"("user_id");
CREATE INDEX "session_expires_at_idx" ON "session"("expires_at");
CREATE INDEX "session_ended_at_idx" ON "session"("ended_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "refresh_family_current_hash_key" ON "refresh_family"("current_hash");

-- CreateIndex
CREATE INDEX "refresh_family_session_id_idx" ON "refresh_family"("session_id");

-- CreateIndex
CREATE INDEX "refresh_family_expires_at_idx" ON "refresh_family"("expires_at");
