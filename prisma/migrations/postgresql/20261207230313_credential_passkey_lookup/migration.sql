-- Issue 18: passkeys are found by their WebAuthn user handle when a login names a username
-- (src/repositories/passkey-rows.ts). Null for every other kind of credential.
-- AlterTable
ALTER TABLE "credential" ADD COLUMN     "lookup_key" TEXT;

-- CreateIndex
CREATE INDEX "credential_lookup_key_idx" ON "credential"("lookup_key");
