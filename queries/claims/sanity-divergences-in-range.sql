-- name: sanity-divergences-in-range
-- description: On every stored trial, kl, kl_reverse, js, tv, hellinger and bhattacharyya are finite numbers
--   ≥ 0, with tv ≤ 1, hellinger ≤ 1 and js ≤ ln 2 (absolute rounding tolerance 1e-12).
-- kind: synthetic
-- severity: error
-- coverage: SELECT count(*) FROM trials_wide WHERE source IS NULL AND model IS NULL
-- coverage_min: 1
--
-- Coverage: the number of stored trials of the current runs. A failing row is one trial and metric whose
-- value is out of range, infinite, NaN or missing (value NULL; nan = 1 when the trial recorded a NaN).
WITH checked AS (
    SELECT
        t.run_id, t.trial, t.scheme, t.bits, t.distribution, t.rank, t.mixing, t.seed, t.nan_mask, m.metric,
        m.upper,
        CASE m.metric
            WHEN 'kl' THEN t.kl
            WHEN 'kl_reverse' THEN t.kl_reverse
            WHEN 'js' THEN t.js
            WHEN 'tv' THEN t.tv
            WHEN 'hellinger' THEN t.hellinger
            WHEN 'bhattacharyya' THEN t.bhattacharyya
        END AS value
    FROM (SELECT * FROM trials_wide WHERE source IS NULL AND model IS NULL) AS t
    CROSS JOIN (
        SELECT 'kl' AS metric, 1.7976931348623157e308 AS upper
        UNION ALL SELECT 'kl_reverse', 1.7976931348623157e308
        UNION ALL SELECT 'js', ln(2)
        UNION ALL SELECT 'tv', 1
        UNION ALL SELECT 'hellinger', 1
        UNION ALL SELECT 'bhattacharyya', 1.7976931348623157e308
    ) AS m
)
SELECT
    c.run_id, c.trial, c.scheme, c.bits, c.distribution, c.rank, c.mixing, c.seed, c.metric, c.value,
    (c.nan_mask >> x.position) & 1 AS nan
FROM checked AS c
LEFT JOIN metrics AS x ON x.name = c.metric
WHERE (c.value >= -1e-12 AND c.value <= c.upper + 1e-12) IS NOT 1
ORDER BY c.run_id, c.trial, c.metric;
