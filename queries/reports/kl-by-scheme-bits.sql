-- KL divergence by scheme × bits (the paper's headline table), over every done current run.
--
-- Replicate = seed: per (scheme, bits, seed) the run means of kl are averaged over the cells present
-- (distributions, ranks, mixings, …), then the mean and its t-based 95% CI are taken over seeds. The last
-- column is the ratio of the QKQV and KQV means (the paper reports 2.25 at n = 4). Runs unchanged with
-- `kvlab sql --file queries/reports/kl-by-scheme-bits.sql` and in `sqlite3 kvlab.sqlite < …`.
WITH seeds AS (
    SELECT scheme, bits, seed, avg(kl) AS kl, count(*) AS cells
    FROM run_means
    GROUP BY scheme, bits, seed
),
centred AS (
    SELECT *, avg(kl) OVER (PARTITION BY scheme, bits) AS centre FROM seeds
),
stats AS (
    SELECT
        scheme, bits, count(kl) AS n, max(cells) AS cells, avg(kl) AS mean,
        sqrt(sum((kl - centre) * (kl - centre)) / (count(kl) - 1)) / sqrt(count(kl)) AS se
    FROM centred
    GROUP BY scheme, bits
),
tested AS (
    SELECT
        stats.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= stats.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM stats
)
SELECT
    bits,
    max(CASE WHEN scheme = 'KV' THEN mean END) AS kv,
    max(CASE WHEN scheme = 'KV' THEN t975 * se END) AS kv_ci95,
    max(CASE WHEN scheme = 'KQV' THEN mean END) AS kqv,
    max(CASE WHEN scheme = 'KQV' THEN t975 * se END) AS kqv_ci95,
    max(CASE WHEN scheme = 'QKQV' THEN mean END) AS qkqv,
    max(CASE WHEN scheme = 'QKQV' THEN t975 * se END) AS qkqv_ci95,
    max(CASE WHEN scheme = 'QKQV' THEN mean END) / max(CASE WHEN scheme = 'KQV' THEN mean END) AS qkqv_over_kqv,
    max(n) AS seeds, max(cells) AS cells_per_seed
FROM tested
GROUP BY bits
ORDER BY bits;
