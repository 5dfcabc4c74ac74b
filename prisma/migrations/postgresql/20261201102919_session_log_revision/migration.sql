-- A session's log moves into the session row (appended in the same write as the session), and a
-- revision counter tells every instance when to forget the apps it cached.
ALTER TABLE "session" ADD COLUMN "events" JSONB NOT NULL DEFAULT '[]';
UPDATE "session" s SET "events" = COALESCE((
  SELECT jsonb_agg(jsonb_build_object('seq', e."seq", 'type', e."type", 'at', (EXTRACT(EPOCH FROM e."at") * 1000)::bigint,
      -- The top-level state the old log kept becomes the state the session machine names.
      'state', CASE e."state" WHEN 'active' THEN 'active.live' WHEN 'expired' THEN 'expired.lapsed'
        WHEN 'terminated' THEN CASE e."type" WHEN 'session.revoke' THEN 'terminated.revoked' ELSE 'terminated.loggedOut' END
        ELSE e."state" END,
      'appId', e."app_id",
      -- An old silent authentication was logged without fields: it carried no MFA policy.
      'fields', CASE e."type" WHEN 'session.silentAuthenticate' THEN COALESCE(e."details", '{}'::jsonb) || jsonb_build_object('mfa', NULL) ELSE COALESCE(e."details", '{}'::jsonb) END)
    ORDER BY e."seq")
  FROM "session_event" e WHERE e."session_id" = s."id"), '[]'::jsonb);
ALTER TABLE "session" ALTER COLUMN "events" DROP DEFAULT;

-- DropForeignKey
ALTER TABLE "session_event" DROP CONSTRAINT "session_event_session_id_fkey";

-- DropTable
DROP TABLE "session_event";

-- CreateTable
CREATE TABLE "revision" (
    "name" TEXT NOT NULL,
    "value" INTEGER NOT NULL,

    CONSTRAINT "revision_pkey" PRIMARY KEY ("name")
);
INSERT INTO "revision" ("name", "value") VALUES ('app', 0);

-- A family remembers when it stopped rotating: the purge counts its grace period from then.
ALTER TABLE "refresh_family" ADD COLUMN "ended_at" TIMESTAMP(3);
UPDATE "refresh_family" SET "ended_at" = "updated_at" WHERE "state_value" NOT LIKE 'active%';
CREATE INDEX "refresh_family_ended_at_idx" ON "refresh_family"("ended_at");
