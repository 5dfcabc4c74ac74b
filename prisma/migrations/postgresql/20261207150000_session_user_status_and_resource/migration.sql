-- Issue 16: silent authentication hands the session machine the user's status and the resource the
-- app asks for, judged in states it only adds (session version 3): every stored state and context is
-- one of the new machine's, and a logged silent authentication without those fields replays as it
-- was judged (it asked for no resource: no status was judged). Sessions in progress carry over.
UPDATE "session" SET "machine_version" = 3 WHERE "machine_version" = 2;
-- The password's right-password verdict carries the user's status (password version 3, state
-- `userDisabled` only added: a logged verdict without it replays as the login it was).
UPDATE "credential" SET "machine_version" = 3 WHERE "kind" = 'password' AND "machine_version" = 2;
-- An authenticator judges the user's status when registered (TOTP version 4): `registering` is only
-- passed through at the start, so every stored instance is one of the new machine's.
UPDATE "credential" SET "machine_version" = 4 WHERE "kind" = 'totp' AND "machine_version" = 3;
