-- kvlab schema, migration 0002: views for analysis and claims (queries/claims, queries/reports).
--
-- Immutable once released (see 0001). Both views read only the done current runs (current_runs: per
-- config, the newest engine_version present) and their per-run summaries, so they work unchanged in the
-- plain sqlite3 shell.

-- One row per done current run: every switch, the seed, and for each metric m the run's mean over its
-- trials (run_summaries.m_mean, named m here; NULL when no trial of the run has a number for m). The
-- replicate unit of every statistic is the seed, i.e. one row of this view (SCIENCE.md).
CREATE VIEW run_means AS
SELECT
    r.id AS run_id, c.config_hash, c.scheme, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise,
    c.outliers, c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook,
    c.baseline, c.norms, r.seed, r.engine_version, s.trials,
    s.kl_mean AS kl, s.kl_reverse_mean AS kl_reverse, s.js_mean AS js, s.tv_mean AS tv,
    s.hellinger_mean AS hellinger, s.bhattacharyya_mean AS bhattacharyya, s.top1_flip_mean AS top1_flip,
    s.top8_overlap_mean AS top8_overlap, s.logit_bias_mean AS logit_bias, s.logit_var_mean AS logit_var,
    s.entropy_delta_mean AS entropy_delta, s.kl_second_order_mean AS kl_second_order,
    s.jensen_ratio_mean AS jensen_ratio, s.k_angle_mean AS k_angle, s.k_rel_l2_mean AS k_rel_l2,
    s.k_norm_ratio_mean AS k_norm_ratio, s.v_angle_mean AS v_angle, s.v_rel_l2_mean AS v_rel_l2,
    s.v_norm_ratio_mean AS v_norm_ratio, s.o_angle_mean AS o_angle, s.o_rel_l2_mean AS o_rel_l2,
    s.o_norm_ratio_mean AS o_norm_ratio, s.dist6_geo_mean AS dist6_geo, s.dist6_div_mean AS dist6_div,
    s.bits_k_mean AS bits_k, s.bits_v_mean AS bits_v
FROM current_runs AS r
JOIN configs AS c ON c.config_hash = r.config_hash
JOIN run_summaries AS s ON s.run_id = r.id
WHERE r.state = 'done';

-- Pairs of done current runs (a, b) of different schemes that saw the same data and randomness: the same
-- seed, and every other switch equal where both runs have a value. A switch that is NULL on one side
-- (it does not apply to that scheme, e.g. rotation for KV or baseline for KQV) matches anything. Both
-- orders appear: (KQV, KV) and (KV, KQV). A cell of a paired comparison is one (a_config_hash,
-- b_config_hash); its replicates are its seeds. Shared switches are shown once (the non-NULL side's value);
-- for each metric m, a_m and b_m are the two runs' means over their trials.
CREATE VIEW run_pairs AS
WITH m AS MATERIALIZED (SELECT * FROM run_means)
SELECT
    a.run_id AS a_run_id, b.run_id AS b_run_id, a.config_hash AS a_config_hash, b.config_hash AS b_config_hash,
    a.scheme AS a_scheme, b.scheme AS b_scheme, a.seed, a.bits, a.distribution, coalesce(a.nu, b.nu) AS nu,
    a.rank, a.mixing, a.noise, a.outliers, coalesce(a.outlier_scale, b.outlier_scale) AS outlier_scale, a.dim,
    a.tokens, a.queries, a.logit_scale, coalesce(a.rotation, b.rotation) AS rotation,
    coalesce(a.qjl, b.qjl) AS qjl, coalesce(a.codebook, b.codebook) AS codebook,
    coalesce(a.baseline, b.baseline) AS baseline, a.norms,
    a.kl AS a_kl, b.kl AS b_kl, a.kl_reverse AS a_kl_reverse, b.kl_reverse AS b_kl_reverse, a.js AS a_js,
    b.js AS b_js, a.tv AS a_tv, b.tv AS b_tv, a.hellinger AS a_hellinger, b.hellinger AS b_hellinger,
    a.bhattacharyya AS a_bhattacharyya, b.bhattacharyya AS b_bhattacharyya, a.top1_flip AS a_top1_flip,
    b.top1_flip AS b_top1_flip, a.top8_overlap AS a_top8_overlap, b.top8_overlap AS b_top8_overlap,
    a.logit_bias AS a_logit_bias, b.logit_bias AS b_logit_bias, a.logit_var AS a_logit_var,
    b.logit_var AS b_logit_var, a.entropy_delta AS a_entropy_delta, b.entropy_delta AS b_entropy_delta,
    a.kl_second_order AS a_kl_second_order, b.kl_second_order AS b_kl_second_order,
    a.jensen_ratio AS a_jensen_ratio, b.jensen_ratio AS b_jensen_ratio, a.k_angle AS a_k_angle,
    b.k_angle AS b_k_angle, a.k_rel_l2 AS a_k_rel_l2, b.k_rel_l2 AS b_k_rel_l2, a.k_norm_ratio AS a_k_norm_ratio,
    b.k_norm_ratio AS b_k_norm_ratio, a.v_angle AS a_v_angle, b.v_angle AS b_v_angle, a.v_rel_l2 AS a_v_rel_l2,
    b.v_rel_l2 AS b_v_rel_l2, a.v_norm_ratio AS a_v_norm_ratio, b.v_norm_ratio AS b_v_norm_ratio,
    a.o_angle AS a_o_angle, b.o_angle AS b_o_angle, a.o_rel_l2 AS a_o_rel_l2, b.o_rel_l2 AS b_o_rel_l2,
    a.o_norm_ratio AS a_o_norm_ratio, b.o_norm_ratio AS b_o_norm_ratio, a.dist6_geo AS a_dist6_geo,
    b.dist6_geo AS b_dist6_geo, a.dist6_div AS a_dist6_div, b.dist6_div AS b_dist6_div, a.bits_k AS a_bits_k,
    b.bits_k AS b_bits_k, a.bits_v AS a_bits_v, b.bits_v AS b_bits_v
FROM m AS a
JOIN m AS b
    ON b.seed = a.seed AND b.engine_version = a.engine_version AND b.scheme <> a.scheme AND b.bits = a.bits
    AND b.distribution = a.distribution
    AND b.rank = a.rank AND b.mixing = a.mixing AND b.noise = a.noise AND b.outliers = a.outliers
    AND b.dim = a.dim AND b.tokens = a.tokens AND b.queries = a.queries AND b.logit_scale = a.logit_scale
    AND b.norms = a.norms
    AND (a.nu IS NULL OR b.nu IS NULL OR b.nu = a.nu)
    AND (a.outlier_scale IS NULL OR b.outlier_scale IS NULL OR b.outlier_scale = a.outlier_scale)
    AND (a.rotation IS NULL OR b.rotation IS NULL OR b.rotation = a.rotation)
    AND (a.qjl IS NULL OR b.qjl IS NULL OR b.qjl = a.qjl)
    AND (a.codebook IS NULL OR b.codebook IS NULL OR b.codebook = a.codebook)
    AND (a.baseline IS NULL OR b.baseline IS NULL OR b.baseline = a.baseline);
