-- Issue 16: one lockout model for every factor. A user's lock out of passcodes for an app becomes a
-- long-lived instance of machines/passcode-lock.machine.ts kept in the credential table (kind
-- passcode-lock, no secret), as a password's or an authenticator's lock is the state of its own
-- instance. Each passcode lockout row becomes an instance in state `locked`, its log as the runner
-- would have written it (the creation entry in the row, the `lock` event in credential_event),
-- and the lockout table goes. Rows of other methods were never written: they are dropped with it.
-- Times in the contexts and logs are milliseconds since the epoch, read from the stored timestamps.
INSERT INTO "credential" ("id", "tenant_id", "app_id", "user_id", "kind", "live_key", "secret", "params", "label", "miss",
    "machine_version", "input", "state_value", "context", "events", "version", "created_at", "updated_at")
SELECT l."app_id" || ':' || l."user_id" || ':passcode-lock', u."tenant_id", l."app_id", l."user_id", 'passcode-lock',
    l."app_id" || ':' || l."user_id" || ':passcode-lock', '', '{}', NULL, NULL,
    1, '{}', 'locked',
    json_object('lockedUntil', CASE WHEN typeof(l."locked_until") = 'integer' THEN l."locked_until" ELSE CAST(ROUND((julianday(l."locked_until") - 2440587.5) * 86400000.0) AS INTEGER) END),
    json_array(json_object('seq', 1, 'type', 'xstate.init',
      'at', CASE WHEN typeof(l."created_at") = 'integer' THEN l."created_at" ELSE CAST(ROUND((julianday(l."created_at") - 2440587.5) * 86400000.0) AS INTEGER) END,
      'state', 'open', 'fields', json_object())),
    2, l."created_at", l."created_at"
FROM "lockout" l JOIN "user" u ON u."id" = l."user_id"
WHERE l."method" = 'otp';
INSERT INTO "credential_event" ("credential_id", "seq", "type", "at", "state", "app_id", "fields")
SELECT l."app_id" || ':' || l."user_id" || ':passcode-lock', 2, 'lock', l."created_at", 'locked', l."app_id",
    json_object('until', CASE WHEN typeof(l."locked_until") = 'integer' THEN l."locked_until" ELSE CAST(ROUND((julianday(l."locked_until") - 2440587.5) * 86400000.0) AS INTEGER) END)
FROM "lockout" l JOIN "user" u ON u."id" = l."user_id"
WHERE l."method" = 'otp';
-- DropTable
DROP TABLE "lockout";
