-- purchase_slots: each purchase in flight holds one of its user's slots (see prisma/store/schema.prisma).
CREATE TABLE `PurchaseSlot` (
    `userId` VARCHAR(191) NOT NULL,
    `slot` INTEGER NOT NULL,
    `purchaseId` VARCHAR(191) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `PurchaseSlot_purchaseId_key`(`purchaseId`),
    PRIMARY KEY (`userId`, `slot`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
