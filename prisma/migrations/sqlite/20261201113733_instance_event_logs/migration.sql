-- Sessions and refresh-token families can live long and take many events: their logs become
-- append-only tables, and the row keeps only the creation entry (written with the row).
-- CreateTable
CREATE TABLE "session_event" (
    "session_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    PRIMARY KEY ("session_id", "seq"),
    CONSTRAINT "session_event_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "refresh_family_event" (
    "family_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    PRIMARY KEY ("family_id", "seq"),
    CONSTRAINT "refresh_family_event_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_family" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Every entry after the creation moves to the new tables.
INSERT INTO "session_event" ("session_id", "seq", "type", "at", "state", "app_id", "fields")
SELECT s."id", json_extract(e.value, '$.seq'), json_extract(e.value, '$.type'),
  strftime('%Y-%m-%dT%H:%M:%f+00:00', json_extract(e.value, '$.at') / 1000.0, 'unixepoch'),
  json_extract(e.value, '$.state'), json_extract(e.value, '$.appId'), json(COALESCE(json_extract(e.value, '$.fields'), '{}'))
FROM "session" s, json_each(s."events") e WHERE json_extract(e.value, '$.seq') > 1;
UPDATE "session" SET "events" = json_array(json_extract("events", '$[0]'));
INSERT INTO "refresh_family_event" ("family_id", "seq", "type", "at", "state", "fields")
SELECT f."id", json_extract(e.value, '$.seq'), json_extract(e.value, '$.type'),
  strftime('%Y-%m-%dT%H:%M:%f+00:00', json_extract(e.value, '$.at') / 1000.0, 'unixepoch'),
  json_extract(e.value, '$.state'), json(COALESCE(json_extract(e.value, '$.fields'), '{}'))
FROM "refresh_family" f, json_each(f."events") e WHERE json_extract(e.value, '$.seq') > 1;
UPDATE "refresh_family" SET "events" = json_array(json_extract("events", '$[0]'));
