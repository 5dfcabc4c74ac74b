-- Sessions and refresh-token families can live long and take many events: their logs become
-- append-only tables, and the row keeps only the creation entry (written with the row).
-- CreateTable
CREATE TABLE "session_event" (
    "session_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    CONSTRAINT "session_event_pkey" PRIMARY KEY ("session_id","seq")
);

-- CreateTable
CREATE TABLE "refresh_family_event" (
    "family_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    CONSTRAINT "refresh_family_event_pkey" PRIMARY KEY ("family_id","seq")
);

-- AddForeignKey
ALTER TABLE "session_event" ADD CONSTRAINT "session_event_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_family_event" ADD CONSTRAINT "refresh_family_event_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_family"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every entry after the creation moves to the new tables.
INSERT INTO "session_event" ("session_id", "seq", "type", "at", "state", "app_id", "fields")
SELECT s."id", (e.value->>'seq')::int, e.value->>'type', to_timestamp((e.value->>'at')::double precision / 1000) AT TIME ZONE 'UTC',
  e.value->>'state', e.value->>'appId', COALESCE(e.value->'fields', '{}'::jsonb)
FROM "session" s, jsonb_array_elements(s."events") e WHERE (e.value->>'seq')::int > 1;
UPDATE "session" SET "events" = jsonb_build_array("events"->0);
INSERT INTO "refresh_family_event" ("family_id", "seq", "type", "at", "state", "fields")
SELECT f."id", (e.value->>'seq')::int, e.value->>'type', to_timestamp((e.value->>'at')::double precision / 1000) AT TIME ZONE 'UTC',
  e.value->>'state', COALESCE(e.value->'fields', '{}'::jsonb)
FROM "refresh_family" f, jsonb_array_elements(f."events") e WHERE (e.value->>'seq')::int > 1;
UPDATE "refresh_family" SET "events" = jsonb_build_array("events"->0);
