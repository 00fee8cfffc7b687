-- kvlab schema, migration 0010: a checksum on every sweep row, as provenance rows have since 0009.
--
-- Immutable once released (see 0001). docs/SCHEMA.md describes the column:
--   sweeps.checksum   SHA-256 of the row's canonical JSON over every column but id and checksum (docs/SCHEMA.md
--                     "Provenance"), which kvlab verify recomputes: a changed byte in a sweep's spec text,
--                     plan hash, trials, tags or timestamps is then reported. NULL in rows written before this
--                     migration (unchecked); planning the sweep again fills it.

ALTER TABLE sweeps ADD COLUMN checksum TEXT;
