-- Issue 16: the resource a login asks for is judged by the credential machines (password version 2,
-- authenticator version 3, which also judges the user's status), in states they only add: every stored state and
-- context is one of the new machine's, and their logs replay under it (an event logged before asked
-- for no resource). Stand-ins are keyed by their machine's version: those of the old versions are
-- no longer found, and the purge removes them once they have settled.
UPDATE "credential" SET "machine_version" = 2 WHERE "kind" = 'password' AND "machine_version" = 1;
UPDATE "credential" SET "machine_version" = 3 WHERE "kind" = 'totp' AND "machine_version" = 2;
