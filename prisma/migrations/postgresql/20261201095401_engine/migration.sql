-- The engine of issue 8. Codes in flight and refresh tokens of the previous engine are not carried
-- over (codes live minutes, offline clients sign in again), sessions are, as statechart instances.
DELETE FROM "challenge";
DELETE FROM "flow_event";
DELETE FROM "flow";
DELETE FROM "refresh_token";

-- DropForeignKey
ALTER TABLE "challenge" DROP CONSTRAINT "challenge_flow_id_fkey";

-- DropForeignKey
ALTER TABLE "flow_event" DROP CONSTRAINT "flow_event_flow_id_fkey";

-- DropForeignKey
ALTER TABLE "refresh_token" DROP CONSTRAINT "refresh_token_session_id_fkey";

-- DropIndex
DROP INDEX "flow_app_id_kind_idx";

-- DropIndex
DROP INDEX "refresh_token_expires_at_idx";

-- DropIndex
DROP INDEX "refresh_token_revoked_at_idx";

-- DropIndex
DROP INDEX "refresh_token_session_id_idx";

-- DropIndex
DROP INDEX "refresh_token_token_hash_key";

-- AlterTable
ALTER TABLE "flow" DROP COLUMN "snapshot",
ADD COLUMN     "context" JSONB NOT NULL,
ADD COLUMN     "events" JSONB NOT NULL,
ADD COLUMN     "input" JSONB NOT NULL,
ADD COLUMN     "secret_hash" TEXT,
ADD COLUMN     "subject" TEXT,
ADD COLUMN     "user_id" TEXT NOT NULL,
ALTER COLUMN "created_at" DROP DEFAULT;

-- AlterTable
ALTER TABLE "refresh_token" DROP CONSTRAINT "refresh_token_pkey",
DROP COLUMN "app_id",
DROP COLUMN "expires_at",
DROP COLUMN "grant",
DROP COLUMN "id",
DROP COLUMN "revoked_at",
DROP COLUMN "rotated_at",
DROP COLUMN "session_id",
DROP COLUMN "tenant_id",
DROP COLUMN "user_id",
ADD COLUMN     "generation" INTEGER NOT NULL,
ALTER COLUMN "created_at" DROP DEFAULT,
ADD CONSTRAINT "refresh_token_pkey" PRIMARY KEY ("token_hash");

-- AlterTable: each session becomes an instance of the session statechart, its columns its context.
ALTER TABLE "session" ADD COLUMN     "context" JSONB,
ADD COLUMN     "input" JSONB,
ADD COLUMN     "machine_version" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "state_value" TEXT,
ALTER COLUMN "state" DROP DEFAULT;
UPDATE "session" SET
  "state_value" = CASE "state" WHEN 'active' THEN 'active.live' WHEN 'expired' THEN 'expired.lapsed' ELSE CASE "end_reason" WHEN 'revoked' THEN 'terminated.revoked' ELSE 'terminated.loggedOut' END END,
  "input" = jsonb_build_object('tenantId', "tenant_id", 'userId', "user_id", 'method', "methods"->>0, 'at', (EXTRACT(EPOCH FROM "created_at") * 1000)::bigint, 'ttlMs', 1209600000),
  "context" = jsonb_build_object('tenantId', "tenant_id", 'userId', "user_id", 'methods', "methods", 'authTime', (EXTRACT(EPOCH FROM "auth_time") * 1000)::bigint, 'expiresAt', (EXTRACT(EPOCH FROM "expires_at") * 1000)::bigint, 'ttlMs', 1209600000, 'stepUpRequired', false);
ALTER TABLE "session" ALTER COLUMN "context" SET NOT NULL,
ALTER COLUMN "input" SET NOT NULL,
ALTER COLUMN "state_value" SET NOT NULL,
DROP COLUMN "auth_time",
DROP COLUMN "end_reason",
DROP COLUMN "methods";
-- Their logged authentications name the user (the new log keeps every field a guard reads).
UPDATE "session_event" SET "details" = COALESCE("details", '{}'::jsonb) || jsonb_build_object('userId', (SELECT "user_id" FROM "session" WHERE "session"."id" = "session_event"."session_id")) WHERE "type" = 'session.authenticate';

-- DropTable
DROP TABLE "challenge";

-- DropTable
DROP TABLE "flow_event";

-- CreateTable
CREATE TABLE "refresh_family" (
    "id" TEXT NOT NULL,
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
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "refresh_family_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "refresh_family_current_hash_key" ON "refresh_family"("current_hash");

-- CreateIndex
CREATE INDEX "refresh_family_session_id_idx" ON "refresh_family"("session_id");

-- CreateIndex
CREATE INDEX "refresh_family_expires_at_idx" ON "refresh_family"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "flow_secret_hash_key" ON "flow"("secret_hash");

-- CreateIndex
CREATE INDEX "flow_app_id_user_id_kind_created_at_idx" ON "flow"("app_id", "user_id", "kind", "created_at");

-- AddForeignKey
ALTER TABLE "refresh_family" ADD CONSTRAINT "refresh_family_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_token" ADD CONSTRAINT "refresh_token_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_family"("id") ON DELETE CASCADE ON UPDATE CASCADE;
