-- name: sanity-error-shrinks-with-bits
-- description: For every scheme and cell, more bits lower the reconstruction error: for every seed and every
--   two budgets m > n present, the run at m bits has a smaller mean k_rel_l2 and v_rel_l2 than the run at
--   n bits with every other switch equal (the same data and randomness).
-- kind: synthetic
-- severity: error
-- coverage: WITH m AS MATERIALIZED (SELECT * FROM run_means WHERE source IS NULL AND model IS NULL) SELECT count(*) FROM m AS lo JOIN m AS hi
--   ON hi.bits > lo.bits AND hi.seed = lo.seed AND hi.engine_version = lo.engine_version
--   AND hi.scheme = lo.scheme AND hi.distribution = lo.distribution AND hi.rank = lo.rank
--   AND hi.mixing = lo.mixing AND hi.noise = lo.noise AND hi.outliers = lo.outliers
--   AND hi.outlier_scale IS lo.outlier_scale AND hi.dim = lo.dim AND hi.tokens = lo.tokens
--   AND hi.queries = lo.queries AND hi.logit_scale = lo.logit_scale AND hi.rotation IS lo.rotation
--   AND hi.qjl IS lo.qjl AND hi.codebook IS lo.codebook AND hi.baseline IS lo.baseline AND hi.norms = lo.norms
-- coverage_min: 1
--
-- Coverage: the number of (run at n bits, run at m > n bits) pairs of the same seed and switches. A seed's
-- value is its run's mean over trials. A failing row is a pair and metric where the error did not shrink,
-- or where either value is NULL/NaN.
WITH means AS MATERIALIZED (SELECT * FROM run_means WHERE source IS NULL AND model IS NULL),
steps AS (
    SELECT
        lo.scheme, lo.bits AS bits_lo, hi.bits AS bits_hi, lo.distribution, lo.rank, lo.mixing, lo.noise,
        lo.outliers, lo.outlier_scale, lo.dim, lo.tokens, lo.queries, lo.logit_scale, lo.rotation, lo.qjl,
        lo.codebook, lo.baseline, lo.norms, lo.seed,
        lo.k_rel_l2 AS k_lo, hi.k_rel_l2 AS k_hi, lo.v_rel_l2 AS v_lo, hi.v_rel_l2 AS v_hi
    FROM means AS lo
    JOIN means AS hi
        ON hi.bits > lo.bits AND hi.seed = lo.seed AND hi.engine_version = lo.engine_version
        AND hi.scheme = lo.scheme AND hi.distribution = lo.distribution AND hi.rank = lo.rank
        AND hi.mixing = lo.mixing AND hi.noise = lo.noise AND hi.outliers = lo.outliers
        AND hi.outlier_scale IS lo.outlier_scale AND hi.dim = lo.dim AND hi.tokens = lo.tokens
        AND hi.queries = lo.queries AND hi.logit_scale = lo.logit_scale AND hi.rotation IS lo.rotation
        AND hi.qjl IS lo.qjl AND hi.codebook IS lo.codebook AND hi.baseline IS lo.baseline
        AND hi.norms = lo.norms
),
checked AS (
    SELECT steps.*, 'k_rel_l2' AS metric, k_lo AS value_lo, k_hi AS value_hi FROM steps
    UNION ALL
    SELECT steps.*, 'v_rel_l2' AS metric, v_lo AS value_lo, v_hi AS value_hi FROM steps
)
SELECT
    metric, scheme, bits_lo, bits_hi, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens,
    queries, logit_scale, rotation, qjl, codebook, baseline, norms, seed, value_lo, value_hi
FROM checked
WHERE (value_hi < value_lo) IS NOT 1
ORDER BY metric, scheme, bits_lo, bits_hi, distribution, rank, mixing, noise, outliers, dim, tokens, queries,
    logit_scale, rotation, qjl, codebook, baseline, norms, seed;
