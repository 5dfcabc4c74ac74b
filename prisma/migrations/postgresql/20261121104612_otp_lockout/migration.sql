-- AlterTable
ALTER TABLE "challenge" ADD COLUMN     "max_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "subject" TEXT;

-- CreateTable
CREATE TABLE "lockout" (
    "app_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "locked_until" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lockout_pkey" PRIMARY KEY ("app_id","user_id","method")
);

-- CreateIndex
CREATE INDEX "challenge_app_id_user_id_kind_used_at_idx" ON "challenge"("app_id", "user_id", "kind", "used_at");
