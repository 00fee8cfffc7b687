-- name: model-attention-winner-is-model-winner
-- description: For model :model, at every budget n, the attention-level winner is the model-level winner
--   (view model_winners). The attention-level winner is the scheme with the lowest per-seed mean of kl over
--   every (layer, head) cell of the model's dataset on the same token ids (its runs at the dataset's full
--   length and default queries); the model-level winner the scheme with the lowest next_kl (all positions,
--   all layers). A winner beats every other scheme by the paired 95% t-CI over seeds; both are taken over
--   the schemes run at both levels. A budget where either level has no such winner is undecided: the claim
--   is then inconclusive, unless a decided budget already refutes it.
-- kind: model
-- severity: warn
-- params: model=smollm2
-- coverage: SELECT CASE
--     WHEN (SELECT count(*) FROM model_winners WHERE model_name = :model AND decided
--         AND attention_winner <> model_winner) > 0 THEN 1
--     WHEN (SELECT count(*) FROM model_winners WHERE model_name = :model AND NOT decided) > 0 THEN 0
--     ELSE (SELECT count(*) FROM model_winners WHERE model_name = :model) END
-- coverage_min: 1
--
-- Coverage: 1 when a decided budget disagrees (the body then fails); otherwise the number of budgets when
-- all are decided, 0 when one is not (inconclusive). A failing row is a budget whose two winners differ.
SELECT model_name, text_name, tokens, bits, schemes, attention_winner, model_winner
FROM model_winners
WHERE model_name = :model AND decided AND attention_winner <> model_winner
ORDER BY tokens, bits;
