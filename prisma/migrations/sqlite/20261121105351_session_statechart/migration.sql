-- CreateTable
CREATE TABLE "session_event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "session_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "details" JSONB,
    CONSTRAINT "session_event_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "state" TEXT NOT NULL DEFAULT 'active',
    "methods" JSONB NOT NULL,
    "auth_time" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    "end_reason" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "session_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_session" ("auth_time", "created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "methods", "tenant_id", "updated_at", "user_id", "version") SELECT "auth_time", "created_at", "created_by_app_id", "ended_at", "expires_at", "id", "id_hash", "methods", "tenant_id", "updated_at", "user_id", "version" FROM "session";
DROP TABLE "session";
ALTER TABLE "new_session" RENAME TO "session";
CREATE UNIQUE INDEX "session_id_hash_key" ON "session"("id_hash");
CREATE INDEX "session_user_id_idx" ON "session"("user_id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "session_event_session_id_seq_key" ON "session_event"("session_id", "seq");
