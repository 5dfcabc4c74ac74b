-- Issue 15: stand-ins (shadow_credential) answer logins that name no credential of the kind, as a
-- credential would. credential.miss keeps the keyed HMAC of the latest wrong authenticator code.
-- AlterTable
ALTER TABLE "credential" ADD COLUMN     "miss" TEXT;

-- CreateTable
CREATE TABLE "shadow_credential" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "miss" TEXT,
    "machine_version" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "state_value" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "settles_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "shadow_credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shadow_credential_event" (
    "credential_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    CONSTRAINT "shadow_credential_event_pkey" PRIMARY KEY ("credential_id","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "shadow_credential_key_key" ON "shadow_credential"("key");

-- CreateIndex
CREATE INDEX "shadow_credential_settles_at_idx" ON "shadow_credential"("settles_at");

-- AddForeignKey
ALTER TABLE "shadow_credential_event" ADD CONSTRAINT "shadow_credential_event_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "shadow_credential"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Version 2 of the authenticator machine: a replayed code, and the same wrong code sent again in its
-- time step, are forgiven. Failures lapse lockoutMs after the latest one, whose time the context
-- now keeps (lastFailureAt: the latest wrong code of the log, as a replay of the log finds it).
UPDATE "credential" c SET "machine_version" = 2,
  "context" = jsonb_set(c."context", '{lastFailureAt}', COALESCE((SELECT to_jsonb((EXTRACT(EPOCH FROM MAX(e."at")) * 1000)::bigint)
    FROM "credential_event" e WHERE e."credential_id" = c."id" AND e."type" = 'totp.mismatched'), 'null'::jsonb))
WHERE c."kind" = 'totp' AND c."machine_version" = 1;
