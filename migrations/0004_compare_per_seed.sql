-- kvlab schema, migration 0004: compare_results with the seed as the replicate and the t-CI as the only rule.
--
-- Immutable once released (see 0001). From this version, `kvlab compare` uses the seed as its replicate,
-- as agg, the claims and the report do: within a group (the --by values), each seed gives one pair (A, B),
-- the means over the group's pairs of runs of that seed (run_pairs) of scheme_a's and of scheme_b's run
-- means. So in compare_results:
--   n, seeds            both the number of seeds (0003 counted pairs of runs in n);
--   diff_ci_low/high    the paired 95% t-CI over seeds of mean(b − a); it alone decides the verdict: entirely
--                       on one side of 0 → the better scheme by the metric's direction ('a' or 'b'),
--                       covering 0 or undefined → 'tie';
--   ratio_delta_ci_*    (new) the delta-method 95% CI of ratio = mean_b / mean_a over seeds;
--   ratio_ci_low/high   the bootstrap BCa 95% CI of the ratio (seeds resampled), reported only;
--   t_p                 (new) the two-sided p-value of the paired t test over seeds;
--   holm_p              t_p (no longer wilcoxon_p) Holm-adjusted across the groups, reported only;
--   alpha               always 0.05: every CI is at 95%, and alpha decides nothing.
-- A comparison is identified by (metric, scheme_a, scheme_b, by_dims, where_sql). The rows stored before this
-- migration follow the earlier rule (one replicate per pair of runs, a Holm-adjusted Wilcoxon p deciding),
-- so they are deleted; `kvlab compare` recomputes any comparison from the runs.
DELETE FROM compare_results;

ALTER TABLE compare_results ADD COLUMN ratio_delta_ci_low REAL;
ALTER TABLE compare_results ADD COLUMN ratio_delta_ci_high REAL;
ALTER TABLE compare_results ADD COLUMN t_p REAL;
