-- AlterTable
ALTER TABLE "app" ADD COLUMN     "client_secret_key_id" TEXT,
ADD COLUMN     "secret_version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable (existing keys have been active since they were created)
ALTER TABLE "server_secret" ADD COLUMN     "activates_at" TIMESTAMP(3);
UPDATE "server_secret" SET "activates_at" = "created_at";
ALTER TABLE "server_secret" ALTER COLUMN "activates_at" SET NOT NULL;

-- AlterTable
ALTER TABLE "signing_key" ADD COLUMN     "activates_at" TIMESTAMP(3),
ADD COLUMN     "private_key_sealed" TEXT,
ALTER COLUMN "private_jwk" DROP NOT NULL;
UPDATE "signing_key" SET "activates_at" = "created_at";
ALTER TABLE "signing_key" ALTER COLUMN "activates_at" SET NOT NULL;

-- Before this migration there was exactly one HMAC key: every client secret was hashed with it.
UPDATE "app" SET "client_secret_key_id" = (SELECT "id" FROM "server_secret" WHERE "purpose" = 'secret-hmac' ORDER BY "created_at", "id" LIMIT 1);
