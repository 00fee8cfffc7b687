-- name: sanity-mse-distortion-bounds
-- description: A K side quantized by TurboQuant_mse (KQV's, or any scheme whose key_recipe is mse) has a
--   distortion D = E‖k − k̂‖²/‖k‖² with 4^−n ≤ D ≤ (√3·π/2)·4^−n (TurboQuant): in every such cell with a
--   Haar-like rotation (haar, wht3) and the exact-law codebook (beta), the estimate of D lies within these
--   bounds widened by the relative tolerance :tol.
-- kind: synthetic
-- severity: error
-- params: tol=0.1
-- coverage: SELECT count(DISTINCT config_hash) FROM run_means
--   WHERE source IS NULL AND model IS NULL AND key_recipe = 'mse' AND rotation IN ('haar', 'wht3') AND codebook = 'beta'
-- coverage_min: 1
--
-- Estimate: the stored metric is k_rel_l2 = mean over tokens of ‖k − k̂‖/‖k‖, whose square for the mse
-- scheme is ‖u − û‖² for the unit vector u; D is estimated by the mean over seeds of the squared run mean
-- of k_rel_l2. By Jensen this slightly underestimates E‖u − û‖² (by the relative variance of ‖u − û‖ over
-- tokens, about 0.5% at d = 128), far inside :tol. The tolerance also absorbs non-Haar rotations of
-- structured inputs, f16 norms and the high-budget limit where D approaches the upper bound. Coverage: the
-- number of such configs. A failing row is a cell outside the widened bounds or with a NULL/NaN value.
WITH cells AS (
    SELECT
        scheme, bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries,
        logit_scale, rotation, qjl, codebook, norms,
        count(*) AS seeds, count(k_rel_l2) AS n, avg(k_rel_l2 * k_rel_l2) AS distortion,
        power(4, -bits) AS lower_bound, sqrt(3) * pi() / 2 * power(4, -bits) AS upper_bound
    FROM run_means
    WHERE source IS NULL AND model IS NULL AND key_recipe = 'mse' AND rotation IN ('haar', 'wht3') AND codebook = 'beta'
    GROUP BY config_hash
)
SELECT
    scheme, bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale,
    rotation, qjl, codebook, norms, seeds, n, distortion, lower_bound, upper_bound
FROM cells
WHERE (
    n = seeds AND distortion >= lower_bound * (1 - :tol) AND distortion <= upper_bound * (1 + :tol)
) IS NOT 1
ORDER BY scheme, bits, distribution, rank, mixing, noise, outliers, dim, tokens, queries, logit_scale, rotation,
    qjl, norms;
