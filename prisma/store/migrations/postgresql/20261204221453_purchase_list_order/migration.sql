-- DropIndex
DROP INDEX "Purchase_userId_createdAt_idx";

-- CreateIndex
CREATE INDEX "Purchase_userId_createdAt_id_idx" ON "Purchase"("userId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Purchase_createdAt_id_idx" ON "Purchase"("createdAt", "id");

