-- CreateTable
CREATE TABLE "credential" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "live_key" TEXT,
    "secret" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "label" TEXT,
    "machine_version" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "state_value" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "events" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credential_event" (
    "credential_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "fields" JSONB NOT NULL,

    CONSTRAINT "credential_event_pkey" PRIMARY KEY ("credential_id","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "credential_live_key_key" ON "credential"("live_key");

-- CreateIndex
CREATE INDEX "credential_user_id_idx" ON "credential"("user_id");

-- AddForeignKey
ALTER TABLE "credential" ADD CONSTRAINT "credential_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credential_event" ADD CONSTRAINT "credential_event_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "credential"("id") ON DELETE CASCADE ON UPDATE CASCADE;
