-- name: kl-ratio-2.25
-- description: At n = :bits bits the kl ratio mean(QKQV)/mean(KQV) is :ratio within its paired 95% CI
--   (docs/science.md headline number 2.25), pooled over every cell at that budget on :mixing mixing (any: both).
-- kind: synthetic
-- severity: error
-- params: bits=4, ratio=2.25, mixing=any
-- coverage: SELECT CASE WHEN min(cells) = max(cells) THEN count(*) ELSE 0 END FROM (SELECT p.seed,
--   count(*) AS cells FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p WHERE p.a_scheme = 'QKQV' AND p.b_scheme = 'KQV'
--   AND p.bits = :bits AND coalesce(:mixing, 'any') IN ('any', p.mixing) GROUP BY p.seed)
-- coverage_min: 5
--
-- Method: a cell is a QKQV config and the KQV config that differs only in the scheme; a seed's values are
-- A = the mean over the cells of the QKQV runs' mean kl and B = the same for KQV (the same cells, data and
-- randomness). Over the n seeds, R = mean(A)/mean(B) and, by the delta method,
-- se(R) = sqrt((var(A) − 2·R·cov(A,B) + R²·var(B))/n)/mean(B) (sample variances, divisor n − 1); the CI
-- is R ± t_{0.975, n−1}·se(R) with t from t_quantiles. Coverage: the number of seeds, and 0 (inconclusive)
-- unless every seed has the same number of cells; at least 5 seeds are required. The failing row (at most
-- one) shows the estimate when the CI excludes :ratio, or when a kl value is NULL/NaN/infinite (missing).
WITH per_seed AS (
    SELECT
        p.seed, count(*) AS cells,
        sum(CASE WHEN abs(p.a_kl) <= 1.7976931348623157e308 AND abs(p.b_kl) <= 1.7976931348623157e308
            THEN 0 ELSE 1 END) AS missing,
        avg(p.a_kl) AS a, avg(p.b_kl) AS b
    FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p
    WHERE p.a_scheme = 'QKQV' AND p.b_scheme = 'KQV' AND p.bits = :bits
        AND coalesce(:mixing, 'any') IN ('any', p.mixing)
    GROUP BY p.seed
),
moments AS (
    SELECT count(*) AS n, min(cells) AS cells, sum(missing) AS missing, avg(a) AS mean_a, avg(b) AS mean_b
    FROM per_seed
),
spread AS (
    SELECT
        m.n, m.cells, m.missing, m.mean_a, m.mean_b, m.mean_a / m.mean_b AS ratio,
        sum((s.a - m.mean_a) * (s.a - m.mean_a)) / (m.n - 1) AS var_a,
        sum((s.b - m.mean_b) * (s.b - m.mean_b)) / (m.n - 1) AS var_b,
        sum((s.a - m.mean_a) * (s.b - m.mean_b)) / (m.n - 1) AS cov_ab
    FROM moments AS m
    CROSS JOIN per_seed AS s
),
estimate AS (
    SELECT
        spread.*,
        sqrt((var_a - 2 * ratio * cov_ab + ratio * ratio * var_b) / n) / mean_b AS se,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= spread.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM spread
)
SELECT
    :bits AS bits, :mixing AS mixing, n AS seeds, cells AS cells_per_seed, missing, mean_a AS mean_kl_qkqv,
    mean_b AS mean_kl_kqv, ratio, ratio - t975 * se AS ci_low, ratio + t975 * se AS ci_high, :ratio AS expected
FROM estimate
WHERE (missing = 0 AND ratio - t975 * se <= :ratio AND :ratio <= ratio + t975 * se) IS NOT 1;
