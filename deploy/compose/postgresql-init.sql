-- The supplier owns a database of its own beside the store's (POSTGRES_DB); Temporal's auto-setup makes its own two.
CREATE DATABASE supplier OWNER purchase;
