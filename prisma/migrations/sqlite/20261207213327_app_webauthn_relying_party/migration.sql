-- Issue 18: an app's WebAuthn relying party (its RP id and the origins its pages run on, checked by
-- src/model/relying-party.ts), null until the operator declares one: no passkeys for that app.
-- AlterTable
ALTER TABLE "app" ADD COLUMN "webauthn" JSONB;
