#!/usr/bin/env python3
"""Golden values for the Statistics module (kvlab), computed with scipy and cross-checked with mpmath.

Distribution functions (normal, Student t, regularized incomplete beta) are written from 60-digit mpmath
evaluations and compared with scipy; the few places where scipy is less accurate (e.g. t.cdf(1e-8, 1),
t.ppf(0.5 ± 1e-12, ν), t.ppf(1e-300, 1.5), betaincc(0.5, 0.5, 1e-20)) are listed in each fixture's
"scipy_disagreements". Tests and their statistics (Mann-Whitney, Wilcoxon, binomial sign test, paired t,
Benjamini-Hochberg, bootstrap) come from scipy itself; Holm and Cliff's delta are computed by hand here.

Writes JSON fixtures into Tests/StatisticsTests/Fixtures/. The Swift tests read only the JSON; they never
run Python. Re-run after changing a case list:

    pip install scipy mpmath      # versions used are recorded in every fixture's "generator" block
    python3 scripts/golden/statistics.py

Number conventions in the JSON: finite doubles are written with Python's shortest round-trip repr;
non-finite values are the strings "NaN", "Infinity", "-Infinity" (as in kvlab's JSON output).
"""

import json
import math
import pathlib
import sys

import mpmath
import numpy as np
import scipy
from scipy import special, stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "StatisticsTests" / "Fixtures"
mpmath.mp.dps = 60


def num(x):
    """JSON-safe double."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def close(a, b, rel=1e-12, abs_tol=1e-305):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol)


DISAGREEMENTS = []


def check(label, got, ref, rel=1e-12):
    """Record where scipy and mpmath disagree. The fixtures hold the 60-digit mpmath value (rounded to the
    nearest double); the list of disagreements is written into the fixture and printed, so that a
    discrepancy is visible and reviewed rather than silently encoded."""
    if not close(got, ref, rel):
        DISAGREEMENTS.append({"case": label, "scipy": num(got), "mpmath": num(ref)})
        print(f"  note: scipy/mpmath disagree for {label}: scipy={float(got)!r} mpmath={float(ref)!r}")


def write(name, payload):
    global DISAGREEMENTS
    if DISAGREEMENTS:
        payload = {**payload, "scipy_disagreements": DISAGREEMENTS}
        DISAGREEMENTS = []
    payload = {
        "generator": {
            "script": "scripts/golden/statistics.py",
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "mpmath": mpmath.__version__,
        },
        **payload,
    }
    path = OUT / name
    path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


# ---------------------------------------------------------------------------------------------------------
# Distribution functions
# ---------------------------------------------------------------------------------------------------------

PROBABILITIES = [
    1e-300, 1e-250, 1e-200, 1e-150, 1e-100, 1e-50, 1e-30, 1e-20, 1e-15, 1e-12, 1e-10, 1e-8, 1e-6, 1e-5,
    1e-4, 1e-3, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.49, 0.499,
    0.4999999, 0.5 - 1e-12, 0.5, 0.5 + 1e-12, 0.5000001, 0.501, 0.51, 0.55, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95,
    0.975, 0.99, 0.995, 0.999, 0.9999, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10, 1 - 1e-12, 1 - 1e-15,
]
DFS = [1, 1.5, 2, 2.5, 3, 5, 9, 30, 1000, 1e6]
T_POINTS = [
    -1e12, -1e6, -1e4, -1000, -100, -40, -20, -10, -6, -4, -2.5, -2, -1.5, -1, -0.5, -0.1, -1e-3, -1e-8, 0,
    1e-8, 1e-3, 0.1, 0.5, 1, 1.5, 2, 2.5, 4, 6, 10, 20, 40, 100, 1000, 1e4, 1e6, 1e12,
]
Z_POINTS = [
    -38, -37.5, -30, -25, -20, -15, -10, -8, -6, -5, -4, -3, -2.5, -1.959963984540054, -1.5, -1, -0.5, -0.1,
    -1e-5, 0, 1e-5, 0.1, 0.5, 1, 1.5, 1.959963984540054, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30, 37.5, 38,
]


def mp_t_cdf(t, df):
    """P(T <= t) with mpmath's incomplete beta: the tail ½ I_x(ν/2, ½) with x = ν/(ν + t²) when |t| ≥ 1,
    and ½ ± ½ I_y(½, ν/2) with y = t²/(ν + t²) near the center (where the hypergeometric series of the
    first form converges slowly)."""
    t = mpmath.mpf(t)
    df = mpmath.mpf(df)
    half = mpmath.mpf(1) / 2
    if t == 0:
        return half
    if abs(t) >= 1:
        tail = mp_betainc(df / 2, half, df / (df + t * t)) / 2
        return tail if t < 0 else 1 - tail
    central = mp_betainc(half, df / 2, t * t / (df + t * t)) / 2
    return half - central if t < 0 else half + central


def mp_ibeta(a, b, x):
    """(I_x(a, b), 1 - I_x(a, b)) to ~60 significant digits.

    The continued fraction of the incomplete beta (DLMF 8.17.22), evaluated in 80-digit arithmetic on the
    side of the mean where it converges, x ≤ (a+1)/(a+b+2); above it the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
    The value obtained by subtraction is then at least ~0.05, so the subtraction costs no relative
    accuracy. It is the same mathematics the Swift code implements in doubles, so beta_fixture also checks
    it against mpmath's hypergeometric betainc wherever that converges (small and moderate shapes).
    """
    with mpmath.workdps(80):
        a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
        if x <= 0:
            return mpmath.mpf(0), mpmath.mpf(1)
        if x >= 1:
            return mpmath.mpf(1), mpmath.mpf(0)

        def side(a, b, x):
            log_front = a * mpmath.log(x) + b * mpmath.log1p(-x) - mpmath.log(a) - mpmath.log(mpmath.beta(a, b))
            tiny = mpmath.mpf(10) ** -200
            c, d = mpmath.mpf(1), 1 - (a + b) * x / (a + 1)
            d = 1 / (d if abs(d) > tiny else tiny)
            f = d
            m = 1
            while True:
                for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                                  -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
                    d = 1 + numerator * d
                    d = 1 / (d if abs(d) > tiny else tiny)
                    c = 1 + numerator / c
                    c = c if abs(c) > tiny else tiny
                    f *= c * d
                if abs(c * d - 1) < mpmath.mpf(10) ** -75:
                    break
                m += 1
            return mpmath.exp(log_front) * f

        if x <= (a + 1) / (a + b + 2):
            lower = side(a, b, x)
            return +lower, +(1 - lower)
        upper = side(b, a, 1 - x)
        return +(1 - upper), +upper


def mp_betainc(a, b, x):
    """I_x(a, b) at 60 digits (see mp_ibeta)."""
    return mp_ibeta(a, b, x)[0]


def mp_invert(cdf, p, start):
    """The x with cdf(x) = p for the exact double p. Works in u = ln|x| on the log of the nearer tail, which
    is monotone and well scaled from p = 1e-300 to 1 - 1e-15: brackets the root by doubling steps from
    scipy's answer, then runs the Illinois method to 1e-40."""
    p = mpmath.mpf(p)
    sign = -1 if p < 0.5 else 1
    target = mpmath.log(p if p < 0.5 else 1 - p)

    def h(u):
        x = sign * mpmath.exp(u)
        tail = cdf(x) if sign < 0 else 1 - cdf(x)
        return mpmath.log(tail) - target  # decreasing in u

    start = float(start)
    u0 = mpmath.log(abs(start)) if start != 0 and math.isfinite(start) else mpmath.mpf(0)
    step = mpmath.mpf(1) / 16
    lo, hi = u0 - step, u0 + step
    while h(lo) < 0:
        lo -= step
        step *= 2
    step = mpmath.mpf(1) / 16
    while h(hi) > 0:
        hi += step
        step *= 2
    u = mpmath.findroot(h, (lo, hi), solver="illinois", tol=1e-40)
    return sign * mpmath.exp(u)


def mp_t_pdf(t, df):
    t = mpmath.mpf(t)
    df = mpmath.mpf(df)
    return (1 + t * t / df) ** (-(df + 1) / 2) / (mpmath.sqrt(df) * mpmath.beta(df / 2, mpmath.mpf(1) / 2))


def normal_fixture():
    cdf = []
    for z in Z_POINTS:
        c, s, d = stats.norm.cdf(z), stats.norm.sf(z), stats.norm.pdf(z)
        check(f"norm.cdf({z})", c, mpmath.ncdf(z))
        check(f"norm.sf({z})", s, mpmath.ncdf(-z))
        check(f"norm.pdf({z})", d, mpmath.npdf(z))
        cdf.append({"x": num(z), "cdf": num(c), "sf": num(s), "pdf": num(d)})
    quantile = []
    for p in PROBABILITIES:
        z = stats.norm.ppf(p)
        if p == 0.5:
            quantile.append({"p": 0.5, "x": 0.0})
            continue
        # mpmath: invert the normal CDF of the exact double p.
        ref = mp_invert(mpmath.ncdf, p, z)
        check(f"norm.ppf({p})", z, ref, rel=1e-14)
        quantile.append({"p": num(p), "x": num(ref)})
    return {"cdf": cdf, "quantile": quantile}


def student_fixture():
    cdf = []
    for df in DFS:
        for t in T_POINTS:
            c, s, d = stats.t.cdf(t, df), stats.t.sf(t, df), stats.t.pdf(t, df)
            rc, rd = mp_t_cdf(t, df), mp_t_pdf(t, df)
            check(f"t.cdf({t}, {df})", c, rc, rel=1e-10)
            check(f"t.pdf({t}, {df})", d, rd, rel=1e-10)
            rs = mp_t_cdf(-t, df)
            check(f"t.sf({t}, {df})", s, rs, rel=1e-10)
            cdf.append({"t": num(t), "df": num(df), "cdf": num(rc), "sf": num(rs), "pdf": num(rd)})
    quantile = []
    for df in DFS:
        for p in PROBABILITIES:
            q = stats.t.ppf(p, df)
            if p == 0.5:
                ref = mpmath.mpf(0)
            else:
                ref = mp_invert(lambda x: mp_t_cdf(x, df), p, q)
            check(f"t.ppf({p}, {df})", q, ref, rel=1e-9)
            quantile.append({"p": num(p), "df": num(df), "t": num(ref)})
    return {"cdf": cdf, "quantile": quantile}


def beta_fixture():
    shapes = [0.5, 1, 1.5, 2.5, 10, 31.5, 50, 500, 1000, 2000, 2047.5]
    pairs = [(a, a) for a in shapes] + [
        (0.5, 1), (0.5, 10), (0.5, 500), (0.5, 2000), (10, 0.5), (500, 0.5), (2000, 0.5), (1, 3), (3, 1),
        (2.5, 40), (40, 2.5), (10, 2000), (2000, 10), (500, 2000), (2000, 500), (1000, 1500), (0.5, 5e5),
    ]
    grid = [
        0, 1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49, 0.5, 0.51,
        0.55, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1 - 1e-5, 1 - 1e-10, 1,
    ]
    cases = []
    for a, b in pairs:
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        near_peak = [mean + z * sd for z in (-10, -6, -3, -1.5, -0.5, -0.05, 0.05, 0.5, 1.5, 3, 6, 10)]
        for x in sorted(set(grid + [x for x in near_peak if 0 < x < 1])):
            v, c = special.betainc(a, b, x), special.betaincc(a, b, x)
            rv, rc = mp_ibeta(a, b, x)
            if 0 < x < 1 and max(a, b) <= 50:
                # Independent cross-check of mp_ibeta with mpmath's hypergeometric betainc where it converges.
                smaller = min(rv, rc)
                ref = mpmath.betainc(a, b, 0, x, regularized=True) if rv <= rc else mpmath.betainc(
                    b, a, 0, 1 - mpmath.mpf(x), regularized=True)
                assert close(smaller, ref, rel=1e-30, abs_tol=0), (a, b, x, smaller, ref)
            check(f"betainc({a}, {b}, {x})", v, rv, rel=1e-11)
            check(f"betaincc({a}, {b}, {x})", c, rc, rel=1e-11)
            cases.append({"a": num(a), "b": num(b), "x": num(x), "value": num(rv), "complement": num(rc)})
    return {"cases": cases}


# ---------------------------------------------------------------------------------------------------------
# Rank tests, sign test, paired t, effect sizes
# ---------------------------------------------------------------------------------------------------------

def separated(n, gap=0):
    return list(range(1, n + 1)), list(range(n + 1 + gap, 2 * n + 1 + gap))


def mann_whitney_fixture():
    rng = np.random.default_rng(20240601)
    a_sep, b_sep = separated(80)
    cases = [
        ("paper check", [1, 2, 3], [4, 5, 6]),
        ("reversed", [4, 5, 6], [1, 2, 3]),
        ("n=1 each", [5], [3]),
        ("n=1 vs 2", [2], [1, 3]),
        ("n=2 vs 2", [1, 4], [2, 3]),
        ("identical samples", [1, 1, 1], [1, 1, 1]),
        ("ties", [1, 2, 2, 3, 5], [2, 3, 4, 4, 6, 7]),
        ("ties across", [1, 1, 2, 2, 3, 3, 4], [2, 2, 3, 3, 5, 5]),
        ("interleaved 8x12", [1, 4, 5, 9, 12, 15, 18, 20], [2, 3, 6, 7, 8, 10, 11, 13, 14, 16, 17, 19]),
        ("10x10 no ties", [11, 2, 15, 7, 19, 4, 13, 1, 9, 17], [3, 20, 8, 14, 18, 6, 12, 16, 10, 5]),
        ("20x20 separated", *separated(20)),
        ("3x40", [10, 25, 41], list(range(1, 81, 2))),
        ("80x80 separated (tiny p)", a_sep, b_sep),
        ("150x150 separated (p<1e-40)", *separated(150)),
        ("integer noise with ties", rng.integers(0, 6, 15).tolist(), rng.integers(2, 8, 18).tolist()),
        ("integer noise larger", rng.integers(0, 20, 40).tolist(), rng.integers(0, 20, 35).tolist()),
    ]
    out = []
    for label, a, b in cases:
        a_arr, b_arr = np.array(a, float), np.array(b, float)
        greater = sum(1.0 for x in a for y in b if x > y)
        ties = sum(1.0 for x in a for y in b if x == y)
        u_a = greater + ties / 2
        has_ties = len(set(a + b)) < len(a + b)
        entry = {
            "label": label, "a": a, "b": b, "u_a": num(u_a),
            "r": num(2 * u_a / (len(a) * len(b)) - 1),
        }
        res = stats.mannwhitneyu(a_arr, b_arr, method="asymptotic", use_continuity=True)
        assert res.statistic == u_a
        entry["p_asymptotic"] = num(res.pvalue)
        if not has_ties and math.comb(len(a) + len(b), len(a)) < 2**53:
            entry["p_exact"] = num(stats.mannwhitneyu(a_arr, b_arr, method="exact").pvalue)
        out.append(entry)
    return {"cases": out}


def wilcoxon_fixture():
    rng = np.random.default_rng(7)
    big_a = rng.integers(0, 1000, 60).tolist()
    signs, magnitudes = rng.choice([-1, 1], 60), rng.permutation(np.arange(1, 61))
    big_b = [int(x - s * k) for x, s, k in zip(big_a, signs, magnitudes)]  # distinct |d|, no zeros
    tie_a = rng.integers(0, 10, 30).tolist()
    tie_b = rng.integers(1, 12, 30).tolist()
    twelve = list(range(1, 13))
    cases = [
        ("no ties n=6", [1, 2, 3, 4, 5, 6], [2.5, 0, 5.5, 0.5, 12, 3.75]),
        ("one tie n=6", [1, 2, 3, 4, 5, 6], [2.5, 0, 5, 0.5, 12, 3.75]),
        ("all negative n=5", [1, 2, 3, 4, 5], [2, 4, 6, 8, 10]),
        ("n=1", [3], [0]),
        ("n=2", [3, 1], [0, 3]),
        ("zeros and ties", [1, 2, 3, 4], [1, 0, 5, 4]),
        ("ties n=8", [10, 12, 14, 9, 11, 15, 13, 8], [11, 11, 12, 10, 13, 13, 12, 10]),
        ("zeros n=10", [5, 3, 8, 7, 6, 4, 9, 2, 5, 6], [5, 4, 6, 7, 8, 1, 9, 3, 2, 2]),
        ("no ties n=12", twelve, [x + d for x, d in zip(twelve, [3, -1, 4, -2, 5, 9, 6, -7, 8, 10, 11, 12])]),
        ("no ties n=60", big_a, big_b),
        ("ties n=30", tie_a, tie_b),
        ("all positive n=40", list(range(40)), [x - k - 1 for k, x in enumerate(range(40))]),
    ]
    out = []
    for label, a, b in cases:
        d = np.array(a, float) - np.array(b, float)
        nz = d[d != 0]
        ranks = stats.rankdata(np.abs(nz))
        w_plus, w_minus = float(ranks[nz > 0].sum()), float(ranks[nz < 0].sum())
        entry = {
            "label": label, "a": a, "b": b, "w_plus": num(w_plus), "w_minus": num(w_minus),
            "r": num((w_plus - w_minus) / (w_plus + w_minus)),
        }
        auto = stats.wilcoxon(a, b)
        assert float(auto.statistic) == min(w_plus, w_minus)
        entry["p_auto"] = num(auto.pvalue)
        entry["p_asymptotic"] = num(stats.wilcoxon(a, b, method="asymptotic").pvalue)
        entry["p_asymptotic_corrected"] = num(stats.wilcoxon(a, b, method="asymptotic", correction=True).pvalue)
        if len(set(np.abs(nz))) == len(nz) and len(nz) == len(d):
            entry["p_exact"] = num(stats.wilcoxon(a, b, method="exact").pvalue)
        out.append(entry)
    return {"cases": out}


def sign_fixture():
    cases = []
    for k, n in [(0, 1), (1, 1), (1, 2), (3, 10), (5, 10), (7, 10), (0, 20), (20, 20), (12, 30), (0, 100),
                 (13, 100), (450, 1000), (0, 1000)]:
        res = stats.binomtest(k, n)
        ci = res.proportion_ci(method="wilson", confidence_level=0.95)
        cases.append({"k": k, "n": n, "p": num(res.pvalue), "wilson_low": num(ci.low),
                      "wilson_high": num(ci.high)})
    return {"cases": cases}


def paired_t_fixture():
    cases = [
        ("n=2", [1, 2], [2, 4.5]),
        ("n=5", [3, 5, 4, 6, 8], [4, 7, 4, 9, 10]),
        ("n=10 ties", [5, 3, 8, 7, 6, 4, 9, 2, 5, 6], [5, 4, 6, 7, 8, 1, 9, 3, 2, 2]),
        ("negative", [10, 12, 11, 14, 13], [7, 9, 10, 9, 8]),
    ]
    out = []
    for label, a, b in cases:
        res = stats.ttest_rel(b, a)
        entry = {"label": label, "a": a, "b": b, "mean_difference": num(np.mean(np.subtract(b, a))),
                 "t": num(res.statistic), "df": int(res.df), "p": num(res.pvalue), "intervals": []}
        for level in (0.9, 0.95, 0.99):
            ci = res.confidence_interval(confidence_level=level)
            entry["intervals"].append({"confidence": level, "low": num(ci.low), "high": num(ci.high)})
        out.append(entry)
    return {"cases": out}


def cliffs_fixture():
    cases = [([1, 2, 3], [4, 5, 6]), ([1, 2, 2, 3, 5], [2, 3, 4, 4, 6, 7]), ([1, 1], [1, 1]), ([3], [1, 2, 3, 4]),
             ([7, 1, 3, 9, 9, 4], [2, 8, 8, 5])]
    out = []
    for a, b in cases:
        sign = np.sign(np.subtract.outer(np.array(a, float), np.array(b, float)))
        out.append({"a": a, "b": b, "delta": num(sign.mean())})
    return {"cases": out}


def multiplicity_fixture():
    def holm(p):
        p = np.asarray(p, float)
        m = len(p)
        order = np.argsort(p, kind="stable")
        adjusted = np.empty(m)
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * p[i]))
            adjusted[i] = running
        return adjusted

    rng = np.random.default_rng(3)
    cases = [
        [0.01, 0.04, 0.03, 0.005],
        [0.5],
        [0.02, 0.02, 0.02],
        [1e-30, 0.2, 0.04, 0.9, 0.001, 0.3],
        [0.8, 0.6, 0.7, 0.9],
        rng.uniform(0, 0.1, 25).tolist(),
    ]
    out = []
    for p in cases:
        out.append({"p": [num(x) for x in p], "holm": [num(x) for x in holm(p)],
                    "bh": [num(x) for x in stats.false_discovery_control(p, method="bh")]})
    return {"cases": out}


# ---------------------------------------------------------------------------------------------------------
# Bootstrap: scipy.stats.bootstrap with a seeded numpy Generator; the resample indices it draws are
# reproduced here (rng.integers(0, n, (B, n)), one batch) and written out so that the Swift engine can be
# fed the very same resamples.
# ---------------------------------------------------------------------------------------------------------

def bootstrap_fixture():
    a = [3, 5, 7, 2, 8, 9, 4, 6, 5, 7, 3, 11]
    b = [5.5, 9, 10, 2.5, 13, 15, 7, 9, 8.5, 12, 4, 17]
    resamples = 400
    seed = 12345
    indices = np.random.default_rng(seed).integers(0, len(a), (resamples, len(a)))
    a_arr, b_arr = np.array(a, float), np.array(b, float)
    statistics = {
        "mean": ((b_arr,), lambda x, axis: np.mean(x, axis=axis)),
        "mean_difference": ((a_arr, b_arr), lambda x, y, axis: np.mean(y - x, axis=axis)),
        "ratio_of_means": ((a_arr, b_arr), lambda x, y, axis: np.mean(y, axis=axis) / np.mean(x, axis=axis)),
    }
    out = []
    for name, (data, fn) in statistics.items():
        entry = {"statistic": name}
        for method in ("percentile", "bca"):
            for level in (0.9, 0.95):
                res = stats.bootstrap(data, fn, paired=True, vectorized=True, n_resamples=resamples,
                                      confidence_level=level, method=method, rng=np.random.default_rng(seed))
                entry[f"{method}_{level}"] = [num(res.confidence_interval.low), num(res.confidence_interval.high)]
        # Sanity: the bootstrap distribution equals the statistic over our reproduced indices.
        reps = fn(*[x[indices] for x in data], axis=-1)
        res = stats.bootstrap(data, fn, paired=True, vectorized=True, n_resamples=resamples,
                              method="percentile", rng=np.random.default_rng(seed))
        assert np.allclose(np.sort(reps), np.sort(res.bootstrap_distribution), rtol=0, atol=1e-12)
        out.append(entry)
    return {"a": a, "b": b, "indices": indices.tolist(), "cases": out}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write("normal.json", normal_fixture())
    write("student_t.json", student_fixture())
    write("incomplete_beta.json", beta_fixture())
    write("mann_whitney.json", mann_whitney_fixture())
    write("wilcoxon.json", wilcoxon_fixture())
    write("sign_test.json", sign_fixture())
    write("paired_t.json", paired_t_fixture())
    write("cliffs_delta.json", cliffs_fixture())
    write("multiplicity.json", multiplicity_fixture())
    write("bootstrap.json", bootstrap_fixture())


if __name__ == "__main__":
    main()
