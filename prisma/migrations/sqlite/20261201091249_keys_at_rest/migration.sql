-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_app" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "client_secret_hash" TEXT NOT NULL,
    "client_secret_key_id" TEXT,
    "secret_version" INTEGER NOT NULL DEFAULT 1,
    "redirect_uris" JSONB NOT NULL,
    "resources" JSONB NOT NULL,
    "login_preferences" JSONB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "app_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
-- Before this migration there was exactly one HMAC key: every client secret was hashed with it.
INSERT INTO "new_app" ("client_id", "client_secret_hash", "client_secret_key_id", "created_at", "id", "login_preferences", "name", "redirect_uris", "resources", "tenant_id", "updated_at") SELECT "client_id", "client_secret_hash", (SELECT "id" FROM "server_secret" WHERE "purpose" = 'secret-hmac' ORDER BY "created_at", "id" LIMIT 1), "created_at", "id", "login_preferences", "name", "redirect_uris", "resources", "tenant_id", "updated_at" FROM "app";
DROP TABLE "app";
ALTER TABLE "new_app" RENAME TO "app";
CREATE UNIQUE INDEX "app_client_id_key" ON "app"("client_id");
CREATE INDEX "app_tenant_id_idx" ON "app"("tenant_id");
CREATE TABLE "new_server_secret" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "purpose" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activates_at" DATETIME NOT NULL,
    "retired_at" DATETIME
);
-- Existing keys have been active since they were created.
INSERT INTO "new_server_secret" ("activates_at", "created_at", "id", "purpose", "retired_at", "value") SELECT "created_at", "created_at", "id", "purpose", "retired_at", "value" FROM "server_secret";
DROP TABLE "server_secret";
ALTER TABLE "new_server_secret" RENAME TO "server_secret";
CREATE INDEX "server_secret_purpose_idx" ON "server_secret"("purpose");
CREATE TABLE "new_signing_key" (
    "kid" TEXT NOT NULL PRIMARY KEY,
    "alg" TEXT NOT NULL,
    "private_jwk" JSONB,
    "private_key_sealed" TEXT,
    "public_jwk" JSONB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activates_at" DATETIME NOT NULL,
    "retired_at" DATETIME
);
INSERT INTO "new_signing_key" ("activates_at", "alg", "created_at", "kid", "private_jwk", "public_jwk", "retired_at") SELECT "created_at", "alg", "created_at", "kid", "private_jwk", "public_jwk", "retired_at" FROM "signing_key";
DROP TABLE "signing_key";
ALTER TABLE "new_signing_key" RENAME TO "signing_key";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
