-- purchase_list_order: GET /purchases pages newest first by (createdAt, id), a user's purchases and everyone's.
-- The new index on userId comes before the old one goes: the foreign key on userId always has an index to use.
CREATE INDEX `Purchase_userId_createdAt_id_idx` ON `Purchase`(`userId`, `createdAt`, `id`);

CREATE INDEX `Purchase_createdAt_id_idx` ON `Purchase`(`createdAt`, `id`);

DROP INDEX `Purchase_userId_createdAt_idx` ON `Purchase`;
