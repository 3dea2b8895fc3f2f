-- session_sweep_indexes: the session sweep deletes sessions past their expiry or older than SESSION_MAX_AGE.
CREATE INDEX `Session_expiresAt_idx` ON `Session`(`expiresAt`);

CREATE INDEX `Session_createdAt_idx` ON `Session`(`createdAt`);
