-- A session's log moves into the session row (appended in the same write as the session), and a
-- revision counter tells every instance when to forget the apps it cached.
ALTER TABLE "session" ADD COLUMN "events" JSONB NOT NULL DEFAULT '[]';
UPDATE "session" s SET "events" = COALESCE((
  SELECT jsonb_agg(jsonb_build_object('seq', e."seq", 'type', e."type", 'at', (EXTRACT(EPOCH FROM e."at") * 1000)::bigint, 'state', e."state", 'appId', e."app_id", 'fields', COALESCE(e."details", '{}'::jsonb)) ORDER BY e."seq")
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
