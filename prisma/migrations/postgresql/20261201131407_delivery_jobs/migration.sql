-- CreateTable
CREATE TABLE "delivery_job" (
    "flow_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "due_at" TIMESTAMP(3) NOT NULL,
    "lease_until" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "delivery_job_pkey" PRIMARY KEY ("flow_id")
);

-- CreateIndex
CREATE INDEX "delivery_job_due_at_idx" ON "delivery_job"("due_at");

-- AddForeignKey
ALTER TABLE "delivery_job" ADD CONSTRAINT "delivery_job_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
