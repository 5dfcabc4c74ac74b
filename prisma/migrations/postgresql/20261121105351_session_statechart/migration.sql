-- AlterTable
ALTER TABLE "session" ADD COLUMN     "end_reason" TEXT,
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'active';

-- CreateTable
CREATE TABLE "session_event" (
    "id" SERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "details" JSONB,

    CONSTRAINT "session_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "session_event_session_id_seq_key" ON "session_event"("session_id", "seq");

-- AddForeignKey
ALTER TABLE "session_event" ADD CONSTRAINT "session_event_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
