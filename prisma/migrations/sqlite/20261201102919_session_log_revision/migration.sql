-- A session's log moves into the session row (appended in the same write as the session), and a
-- revision counter tells every instance when to forget the apps it cached.
-- CreateTable
CREATE TABLE "revision" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" INTEGER NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
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
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "session_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_session" ("context", "created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "input", "machine_version", "state", "state_value", "tenant_id", "updated_at", "user_id", "version", "events")
SELECT "context", "created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "input", "machine_version", "state", "state_value", "tenant_id", "updated_at", "user_id", "version",
  COALESCE((SELECT json_group_array(json_object('seq', e."seq", 'type', e."type", 'at', CAST(ROUND((julianday(e."at") - 2440587.5) * 86400000) AS INTEGER), 'state', e."state", 'appId', e."app_id", 'fields', json(e."fields")))
    FROM (SELECT "seq", "type", "at", "app_id",
        -- The top-level state the old log kept becomes the state the session machine names.
        CASE "state" WHEN 'active' THEN 'active.live' WHEN 'expired' THEN 'expired.lapsed'
          WHEN 'terminated' THEN CASE "type" WHEN 'session.revoke' THEN 'terminated.revoked' ELSE 'terminated.loggedOut' END
          ELSE "state" END AS "state",
        -- An old silent authentication was logged without fields: it carried no MFA policy.
        CASE "type" WHEN 'session.silentAuthenticate' THEN json_set(COALESCE("details", '{}'), '$.mfa', json('null')) ELSE COALESCE("details", '{}') END AS "fields"
      FROM "session_event" WHERE "session_event"."session_id" = "session"."id" ORDER BY "seq") e), '[]')
FROM "session";
DROP TABLE "session";
DROP INDEX "session_event_session_id_seq_key";
DROP TABLE "session_event";
ALTER TABLE "new_session" RENAME TO "session";
CREATE UNIQUE INDEX "session_id_hash_key" ON "session"("id_hash");
CREATE INDEX "session_user_id_idx" ON "session"("user_id");
CREATE INDEX "session_expires_at_idx" ON "session"("expires_at");
CREATE INDEX "session_ended_at_idx" ON "session"("ended_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

INSERT INTO "revision" ("name", "value") VALUES ('app', 0);

-- A family remembers when it stopped rotating: the purge counts its grace period from then.
ALTER TABLE "refresh_family" ADD COLUMN "ended_at" DATETIME;
UPDATE "refresh_family" SET "ended_at" = "updated_at" WHERE "state_value" NOT LIKE 'active%';
CREATE INDEX "refresh_family_ended_at_idx" ON "refresh_family"("ended_at");
