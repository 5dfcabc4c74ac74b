-- CreateTable
CREATE TABLE "delivery_job" (
    "flow_id" TEXT NOT NULL PRIMARY KEY,
    "channel" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "due_at" DATETIME NOT NULL,
    "lease_until" DATETIME,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "delivery_job_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "delivery_job_due_at_idx" ON "delivery_job"("due_at");
