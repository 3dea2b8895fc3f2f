-- CreateTable
CREATE TABLE "PurchaseSlot" (
    "userId" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "purchaseId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("userId", "slot")
);

-- CreateIndex
CREATE UNIQUE INDEX "PurchaseSlot_purchaseId_key" ON "PurchaseSlot"("purchaseId");

