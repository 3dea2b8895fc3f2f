-- CreateTable
CREATE TABLE "DeliveryEvent" (
    "deliveryId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("deliveryId", "sequence"),
    CONSTRAINT "DeliveryEvent_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DeliveryDay" (
    "date" TEXT NOT NULL PRIMARY KEY,
    "booked" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL
);

