-- Issue 16: the resource a login asks for is judged by the credential machines (password version 2,
-- authenticator version 3, which also judges the user's status), in states they only add: every stored state and
-- context is one of the new machine's, and their logs replay under it (an event logged before asked
-- for no resource). Stand-ins are keyed by their machine's version: those of the old versions are
-- no longer found, and the purge removes them once they have settled.
UPDATE "credential" SET "machine_version" = 2 WHERE "kind" = 'password' AND "machine_version" = 1;
UPDATE "credential" SET "machine_version" = 3 WHERE "kind" = 'totp' AND "machine_version" = 2;
-- The passcode and magic-link charts (versions 5 and 4) judge the user's status and the resource
-- in states they only add, and their new context fields are read only in a state never saved: flows
-- in progress carry over (a send supersedes the pending code, which it could not across versions).
UPDATE "flow" SET "machine_version" = 5 WHERE "kind" = 'otp' AND "machine_version" = 4;
UPDATE "flow" SET "machine_version" = 4 WHERE "kind" = 'magic-link' AND "machine_version" = 3;
