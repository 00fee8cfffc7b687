-- kvlab schema, migration 0003: the results of `kvlab compare`, so that claims can assert on them in plain SQL.
--
-- Immutable once released (see 0001). One row per group (--by values) of one comparison. A comparison is
-- identified by (metric, scheme_a, scheme_b, by_dims, where_sql, alpha); recording it again replaces its
-- rows, so the table holds the latest result of each comparison, with the fingerprint of the data it saw
-- (the same fingerprint claim_evaluations records). NaN statistics (e.g. the CIs of a group with one pair)
-- are stored as NULL; ±Inf as REAL ±Inf.
--
-- The unit of a comparison is a pair of done current runs (run_pairs): the same config but the scheme and
-- the same seed; each run contributes its mean over its trials. A = scheme_a, B = scheme_b. For a metric
-- whose ideal is 0 (direction 'zero') every statistic is of |value| (compared_on = 'abs').
CREATE TABLE compare_results (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    scheme_a TEXT NOT NULL,
    scheme_b TEXT NOT NULL,
    by_dims TEXT NOT NULL, -- the --by switches, comma-separated in the order given ('' for one overall group)
    where_sql TEXT NOT NULL, -- the --where condition on run_pairs ('' for none)
    group_json TEXT NOT NULL, -- JSON object of the group's --by values, e.g. {"bits":4}
    -- The group's value of each --by switch (NULL for switches not in by_dims).
    bits INTEGER,
    distribution TEXT,
    nu INTEGER,
    rank INTEGER,
    mixing TEXT,
    noise REAL,
    outliers INTEGER,
    outlier_scale REAL,
    dim INTEGER,
    tokens INTEGER,
    queries INTEGER,
    logit_scale REAL,
    rotation TEXT,
    qjl TEXT,
    codebook TEXT,
    baseline TEXT,
    norms TEXT,
    compared_on TEXT NOT NULL CHECK (compared_on IN ('value', 'abs')),
    n INTEGER NOT NULL, -- pairs of runs
    seeds INTEGER NOT NULL, -- distinct seeds among them
    mean_a REAL,
    mean_b REAL,
    ratio REAL, -- mean_b / mean_a
    ratio_ci_low REAL, -- bootstrap (ratio_ci_method) CI of mean_b / mean_a at level 1 − alpha, pairs resampled
    ratio_ci_high REAL,
    ratio_ci_method TEXT NOT NULL, -- 'bca'
    resamples INTEGER NOT NULL,
    diff_ci_low REAL, -- paired t CI of mean(b − a) at level 1 − alpha
    diff_ci_high REAL,
    wilcoxon_p REAL, -- Wilcoxon signed-rank, two-sided
    wilcoxon_log10_p REAL, -- log10 of wilcoxon_p, finite where wilcoxon_p underflows to 0
    wilcoxon_r REAL, -- matched-pairs rank-biserial (negative: A smaller)
    mw_u REAL, -- Mann-Whitney U_A: pairs (a, b) with a > b, ties ½
    mw_p REAL, -- Mann-Whitney two-sided p
    mw_log10_p REAL,
    mw_r REAL, -- rank-biserial 2·U_A/(n_A·n_B) − 1 (negative: A smaller)
    holm_p REAL, -- wilcoxon_p Holm-adjusted across the groups of the comparison
    verdict TEXT NOT NULL CHECK (verdict IN ('a', 'b', 'tie')),
    alpha REAL NOT NULL,
    data_fingerprint TEXT NOT NULL,
    created_at REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance (id)
) STRICT;

CREATE INDEX compare_results_comparison ON compare_results (metric, scheme_a, scheme_b, by_dims);
