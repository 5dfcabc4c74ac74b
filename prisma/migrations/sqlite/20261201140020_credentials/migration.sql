-- CreateTable
CREATE TABLE "credential" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "live_key" TEXT,
    "secret" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "label" TEXT,
    "machine_version" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "state_value" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    CONSTRAINT "credential_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "credential_event" (
    "credential_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    PRIMARY KEY ("credential_id", "seq"),
    CONSTRAINT "credential_event_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "credential" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "credential_live_key_key" ON "credential"("live_key");

-- CreateIndex
CREATE INDEX "credential_user_id_idx" ON "credential"("user_id");
