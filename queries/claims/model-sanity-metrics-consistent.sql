-- name: model-sanity-metrics-consistent
-- description: Every model-level trial of model :model has finite metrics in range: next_kl ≥ 0, ppl_ratio
--   = exp(nll_delta) to 1e-9 relative, 0 ≤ next_top1_agree ≤ 1, and bits_k, bits_v between the budget and
--   the budget + 2 (the stored floats of one head vector).
-- kind: model
-- severity: error
-- params: model=smollm2
-- coverage: SELECT count(*) FROM trials_wide WHERE model_name = :model
-- coverage_min: 1
SELECT scheme, bits, tokens, positions, layers, seed, trial, next_kl, ppl_ratio, nll_delta, next_top1_agree,
    bits_k, bits_v
FROM trials_wide
WHERE model_name = :model
    AND ((next_kl >= 0 AND abs(next_kl) <= 1.7976931348623157e308
        AND abs(ppl_ratio - exp(nll_delta)) <= 1e-9 * ppl_ratio
        AND next_top1_agree BETWEEN 0 AND 1
        AND bits_k BETWEEN bits AND bits + 2 AND bits_v BETWEEN bits AND bits + 2) IS NOT 1)
ORDER BY scheme, bits, seed, trial;
