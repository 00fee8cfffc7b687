-- kvlab schema, migration 0009: provenance a researcher can use, and can check.
--
-- Immutable once released (see 0001). docs/SCHEMA.md describes every column:
--   sweeps.trials                the trials per run of the sweep's last plan (NULL: planned before this
--                                migration; the next plan fills it); runs holding another count are reported;
--   sweeps.description           the spec's description (NULL when it has none);
--   sweeps.tags                  the spec's tags: a JSON object of string -> string, keys sorted (NULL when
--                                none); neither description nor tags enters spec_hash (the plan's identity);
--   provenance.work_dir          the working directory of the writing process;
--   provenance.work_git_commit   the HEAD commit of the git work tree holding work_dir, and
--   provenance.work_git_dirty    1 when its tracked files differ from that commit, else 0 (both NULL when
--                                work_dir is in no work tree or git is unavailable); git_commit stays the
--                                commit kvlab itself was built from;
--   provenance.checksum          SHA-256 of the row's canonical JSON (docs/SCHEMA.md), which kvlab verify
--                                recomputes; NULL in rows written before this migration (unchecked).

ALTER TABLE sweeps ADD COLUMN trials INTEGER CHECK (trials >= 1);
ALTER TABLE sweeps ADD COLUMN description TEXT;
ALTER TABLE sweeps ADD COLUMN tags TEXT;

ALTER TABLE provenance ADD COLUMN work_dir TEXT;
ALTER TABLE provenance ADD COLUMN work_git_commit TEXT;
ALTER TABLE provenance ADD COLUMN work_git_dirty INTEGER CHECK (work_git_dirty IN (0, 1));
ALTER TABLE provenance ADD COLUMN checksum TEXT;
