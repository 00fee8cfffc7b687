-- name: dataset-sanity-effective-bits
-- description: On every stored trial of dataset :dataset, bits_k and bits_v are the budget n plus the stored floats per
--   coordinate (docs/science.md): one float (‖x‖) for TurboQuant_mse and kv-beta, two for TurboQuant_prod (‖x‖, γ)
--   and kv-uniform (min, scale), each of 32 bits (norms f32) or 16 bits (norms f16), divided by dim.
-- kind: dataset
-- params: dataset=smollm2
-- severity: error
-- coverage: SELECT count(*) FROM trials_wide WHERE dataset = :dataset
-- coverage_min: 1
--
-- By recipe, so it holds for every scheme, shipped or declared (key_recipe and value_recipe: mse, prod or
-- baseline). Coverage: the number of stored trials of the current runs. A failing row is a trial whose
-- bits_k or bits_v differs from the expected value by more than 1e-9, or is NULL/NaN.
WITH expected AS (
    SELECT
        t.run_id, t.trial, t.scheme, t.bits, t.baseline, t.norms, t.dim, t.bits_k, t.bits_v,
        t.bits + (CASE
            WHEN t.key_recipe = 'prod' THEN 2
            WHEN t.key_recipe = 'baseline' AND t.baseline = 'kv-uniform' THEN 2
            ELSE 1
        END) * (CASE t.norms WHEN 'f16' THEN 16 ELSE 32 END) * 1.0 / t.dim AS expected_bits_k,
        t.bits + (CASE
            WHEN t.value_recipe = 'prod' THEN 2
            WHEN t.value_recipe = 'baseline' AND t.baseline = 'kv-uniform' THEN 2
            ELSE 1
        END) * (CASE t.norms WHEN 'f16' THEN 16 ELSE 32 END) * 1.0 / t.dim AS expected_bits_v
    FROM (SELECT * FROM trials_wide WHERE dataset = :dataset) AS t
)
SELECT run_id, trial, scheme, bits, baseline, norms, dim, bits_k, expected_bits_k, bits_v, expected_bits_v
FROM expected
WHERE (abs(bits_k - expected_bits_k) <= 1e-9 AND abs(bits_v - expected_bits_v) <= 1e-9) IS NOT 1
ORDER BY run_id, trial;
