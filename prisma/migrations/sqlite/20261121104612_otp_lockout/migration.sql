-- CreateTable
CREATE TABLE "lockout" (
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "locked_until" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("app_id", "user_id", "method")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_challenge" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "flow_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT,
    "secret_hash" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 0,
    "expires_at" DATETIME NOT NULL,
    "used_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "challenge_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_challenge" ("app_id", "attempts", "created_at", "expires_at", "flow_id", "id", "kind", "secret_hash", "used_at", "user_id") SELECT "app_id", "attempts", "created_at", "expires_at", "flow_id", "id", "kind", "secret_hash", "used_at", "user_id" FROM "challenge";
DROP TABLE "challenge";
ALTER TABLE "new_challenge" RENAME TO "challenge";
CREATE UNIQUE INDEX "challenge_secret_hash_key" ON "challenge"("secret_hash");
CREATE INDEX "challenge_flow_id_idx" ON "challenge"("flow_id");
CREATE INDEX "challenge_app_id_user_id_kind_used_at_idx" ON "challenge"("app_id", "user_id", "kind", "used_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
