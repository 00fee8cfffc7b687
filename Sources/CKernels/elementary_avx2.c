// kvlab's elementary functions (Sources/Statistics/Elementary.swift) in AVX2 lanes, and the kernels built
// on them: Box–Muller, exp of a row, the per-token terms of the attention metrics
// (Sources/Quantization/TrialMetrics.swift), and the per-row sums of the geometry metrics
// (Sources/Quantization/Geometry.swift), four rows in the four lanes. Each lane performs exactly the IEEE operations of the Swift
// function, in the same order (both branches of a condition are computed and the lane takes the one the
// Swift code takes); arguments outside a function's main range take scalar ports of its other branches.
// Sums over tokens stay sequential, in token order. KernelPathTests compare every function with the
// Swift code bit for bit.

#include "kvlab_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__)

#include <immintrin.h>

#include "elementary_common.h"

#define KVLAB_AVX2 __attribute__((target("avx2")))
// Lane helpers are always inlined: their callers run them in loops, and an out-of-line call per four values
// costs more than the work around it.
#define KVLAB_LANES KVLAB_AVX2 __attribute__((always_inline)) static inline
#define SET(v) _mm256_set1_pd(v)
#define ADD(a, b) _mm256_add_pd(a, b)
#define SUB(a, b) _mm256_sub_pd(a, b)
#define MUL(a, b) _mm256_mul_pd(a, b)
#define DIV(a, b) _mm256_div_pd(a, b)
#define LT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define GT(a, b) _mm256_cmp_pd(a, b, _CMP_GT_OQ)
#define GE(a, b) _mm256_cmp_pd(a, b, _CMP_GE_OQ)
#define EQ(a, b) _mm256_cmp_pd(a, b, _CMP_EQ_OQ)
#define SELECT(mask, yes, no) _mm256_blendv_pd(no, yes, mask)

// MARK: lanes

/// Lanes where `bad` is set get f(x) from the scalar function instead.
KVLAB_AVX2 static inline __m256d patch(__m256d result, __m256d x, __m256d bad, double (*f)(double)) {
    int mask = _mm256_movemask_pd(bad);
    if (mask == 0) return result;
    double r[4], a[4];
    _mm256_storeu_pd(r, result);
    _mm256_storeu_pd(a, x);
    for (int i = 0; i < 4; i++) {
        if (mask & (1 << i)) r[i] = f(a[i]);
    }
    return _mm256_loadu_pd(r);
}

KVLAB_AVX2 static inline __m256d absolute(__m256d x) {
    return _mm256_andnot_pd(SET(-0.0), x);
}

/// 2^m (as bits (1023 + m) << 52) for k with m = k >> 6: only the low 12 bits of 1023 + m reach the
/// exponent field, and they are the same for a logical as for an arithmetic shift.
KVLAB_AVX2 static inline __m256d powerOfTwoFromK(__m256i k) {
    __m256i m = _mm256_srli_epi64(k, 6);
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(m, _mm256_set1_epi64x(1023)), 52));
}

/// Elementary.reduceExp, expMinusOneSmall and the table: k (as an integer), p = e^r − 1, head and tail.
KVLAB_AVX2 static inline void expParts(__m256d x, __m256i *k, __m256d *p, __m256d *head, __m256d *tail) {
    __m256d shifted = ADD(MUL(x, SET(sixtyFourOverLn2)), SET(roundingShift));
    // shifted = 1.5·2^52 + k exactly, so its bits are those of 1.5·2^52 plus k.
    *k = _mm256_sub_epi64(_mm256_castpd_si256(shifted), _mm256_castpd_si256(SET(roundingShift)));
    __m256d kd = SUB(shifted, SET(roundingShift));
    __m256d r = SUB(SUB(x, MUL(kd, SET(ln2Over64Head))), MUL(kd, SET(ln2Over64Tail)));
    __m256d r2 = MUL(r, r);
    __m256d high = ADD(ADD(SET(1.0 / 24), MUL(r, SET(1.0 / 120))), MUL(r2, ADD(SET(1.0 / 720), MUL(r, SET(1.0 / 5040)))));
    *p = ADD(r, MUL(r2, ADD(ADD(SET(0.5), MUL(r, SET(1.0 / 6))), MUL(r2, high))));
    __m256i j = _mm256_and_si256(*k, _mm256_set1_epi64x(63));
    *head = _mm256_i64gather_pd(expHead, j, 8);
    *tail = _mm256_i64gather_pd(expTail, j, 8);
}

/// Elementary.exp.
KVLAB_LANES __m256d exp4(__m256d x) {
    __m256i k;
    __m256d p, head, tail;
    expParts(x, &k, &p, &head, &tail);
    __m256d y = ADD(head, ADD(tail, MUL(head, p)));
    __m256d result = MUL(y, powerOfTwoFromK(k));
    return patch(result, x, _mm256_cmp_pd(absolute(x), SET(708), _CMP_NLT_UQ), expOutside);
}

/// Elementary.expm1 for |x| < ¼: the Taylor polynomial (Estrin).
KVLAB_LANES __m256d expm1Small4(__m256d x) {
    __m256d x2 = MUL(x, x);
    __m256d x4 = MUL(x2, x2);
    __m256d low = ADD(ADD(SET(1.0 / 6), MUL(x, SET(1.0 / 24))), MUL(x2, ADD(SET(1.0 / 120), MUL(x, SET(1.0 / 720)))));
    __m256d middle = ADD(ADD(SET(1.0 / 5040), MUL(x, SET(1.0 / 40320))),
                         MUL(x2, ADD(SET(1.0 / 362880), MUL(x, SET(1.0 / 3628800)))));
    __m256d high = ADD(ADD(SET(1.0 / 39916800), MUL(x, SET(1.0 / 479001600))), MUL(x2, SET(1.0 / 6227020800)));
    __m256d tailSum = ADD(low, MUL(x4, ADD(middle, MUL(x4, high))));
    return ADD(x, MUL(x, ADD(MUL(SET(0.5), x), MUL(x2, tailSum))));
}

/// Elementary.expm1 for ¼ ≤ |x| < 708: from the table.
KVLAB_LANES __m256d expm1Table4(__m256d x) {
    __m256i k;
    __m256d p, head, tail;
    expParts(x, &k, &p, &head, &tail);
    __m256d scale = powerOfTwoFromK(k);
    __m256d rest = MUL(scale, ADD(tail, MUL(head, p)));
    __m256d headScaled = MUL(head, scale);
    __m256d below = SUB(ADD(headScaled, rest), SET(1));  // m < −1
    __m256d above = ADD(SUB(headScaled, SET(1)), rest);
    __m256d mBelow = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x(-64), k));  // m < −1 ⇔ k < −64
    return SELECT(mBelow, below, above);
}

/// Elementary.expm1.
KVLAB_LANES __m256d expm14(__m256d x) {
    __m256d ax = absolute(x);
    __m256d isSmall = LT(ax, SET(0.25));
    int small = _mm256_movemask_pd(isSmall);
    // Lanes of one kind only compute that kind (the other's result would not be selected).
    if (small == 0xF) return expm1Small4(x);
    __m256d table = expm1Table4(x);
    __m256d result = small == 0 ? table : SELECT(isSmall, expm1Small4(x), table);
    return patch(result, x, _mm256_cmp_pd(ax, SET(708), _CMP_NLT_UQ), expm1Outside);
}

/// Elementary.logKernel(f, exponent: e, low: low).
KVLAB_LANES __m256d logKernel4(__m256d f, __m256d e, __m256d low) {
    __m256d s = DIV(f, ADD(SET(2.0), f));
    __m256d z = MUL(s, s);
    __m256d z2 = MUL(z, z);
    __m256d p = ADD(ADD(SET(logC[0]), MUL(z, SET(logC[1]))),
                    MUL(z2, ADD(ADD(SET(logC[2]), MUL(z, SET(logC[3]))),
                                MUL(z2, ADD(ADD(SET(logC[4]), MUL(z, SET(logC[5]))),
                                            MUL(z2, ADD(SET(logC[6]), MUL(z, SET(logC[7])))))))));
    __m256d halfSquare = MUL(MUL(SET(0.5), f), f);
    __m256d inner = SUB(halfSquare, ADD(MUL(s, ADD(halfSquare, MUL(z, p))), ADD(MUL(e, SET(ln2Tail)), low)));
    return SUB(MUL(e, SET(ln2Head)), SUB(inner, f));
}

/// Elementary.logSplit of positive normal doubles: (e, m − 1).
KVLAB_AVX2 static inline void logSplit4(__m256d x, __m256d *e, __m256d *f) {
    __m256i bits = _mm256_castpd_si256(x);
    __m256i offset = _mm256_sub_epi64(bits, _mm256_set1_epi64x(0x3fe6a09e667f3bcdLL));
    // e = offset >> 52 (arithmetic): the high 32 bits shifted right by 20, then converted exactly.
    __m256i high = _mm256_srai_epi32(offset, 20);
    __m256i odd = _mm256_permutevar8x32_epi32(high, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7));
    *e = _mm256_cvtepi32_pd(_mm256_castsi256_si128(odd));
    __m256i mask = _mm256_set1_epi64x((long long)0xfff0000000000000ULL);
    *f = SUB(_mm256_castsi256_pd(_mm256_sub_epi64(bits, _mm256_and_si256(offset, mask))), SET(1.0));
}

/// Elementary.log for positive normal x (uniforms of RandomStream).
KVLAB_AVX2 static inline __m256d logNormal4(__m256d x) {
    __m256d e, f;
    logSplit4(x, &e, &f);
    return logKernel4(f, e, SET(0.0));
}

/// Elementary.log1p.
KVLAB_LANES __m256d log1p4(__m256d x) {
    // Outside (−0.2928, 0.4142): u = 1 + x, its rounding error c, and log u + c/u.
    __m256d u = ADD(SET(1), x);
    __m256d c = SELECT(GE(x, SET(1)), SUB(SET(1), SUB(u, x)), SUB(x, SUB(u, SET(1))));
    __m256d inside = _mm256_and_pd(GT(x, SET(-0.2928)), LT(x, SET(0.4142)));
    // Every lane inside: the kernel on x alone (what the selections below give those lanes).
    if (_mm256_movemask_pd(inside) == 0xF) return SELECT(EQ(x, SET(0)), x, logKernel4(x, SET(0), SET(0)));
    // Outside lanes with NaN, ±∞ or x ≤ −1 take the scalar branches; keep their arithmetic harmless.
    __m256d bad = _mm256_andnot_pd(inside, _mm256_or_pd(_mm256_cmp_pd(x, SET(-1), _CMP_NGT_UQ),
                                                        EQ(x, SET(INFINITY))));
    __m256d safeU = SELECT(bad, SET(1), u);
    __m256d e, f;
    logSplit4(safeU, &e, &f);
    __m256d fIn = SELECT(inside, x, f);
    __m256d eIn = SELECT(inside, SET(0), e);
    __m256d lowIn = SELECT(inside, SET(0), DIV(c, safeU));
    __m256d result = logKernel4(fIn, eIn, lowIn);
    result = SELECT(EQ(x, SET(0)), x, result);
    return patch(result, x, bad, log1pSpecial);
}

/// Elementary.sinCosTwoPi for 0 < u < 2^49.
KVLAB_AVX2 static inline void sinCos4(__m256d u, __m256d *sine, __m256d *cosine) {
    __m256d t = MUL(SET(4.0), u);
    __m256d shifted = ADD(t, SET(roundingShift));
    __m256d nq = SUB(shifted, SET(roundingShift));
    __m256d f = MUL(SET(0.25), SUB(t, nq));
    __m256d z = MUL(f, f);
    __m256d z2 = MUL(z, z);
    __m256d rest = MUL(z, ADD(ADD(SET(sinC[1]), MUL(z, SET(sinC[2]))),
                              MUL(z2, ADD(ADD(SET(sinC[3]), MUL(z, SET(sinC[4]))),
                                          MUL(z2, ADD(SET(sinC[5]), MUL(z, SET(sinC[6]))))))));
    __m256d cosPart = ADD(ADD(SET(cosC[0]), MUL(z, SET(cosC[1]))),
                          MUL(z2, ADD(ADD(SET(cosC[2]), MUL(z, SET(cosC[3]))),
                                      MUL(z2, ADD(SET(cosC[4]), MUL(z, ADD(SET(cosC[5]), MUL(z, SET(cosC[6])))))))));
    __m256d spread = MUL(f, SET(134217729.0));
    __m256d fHead = SUB(spread, SUB(spread, f));
    __m256d fTail = SUB(f, fHead);
    __m256d s = ADD(MUL(fHead, SET(twoPiHead)), ADD(MUL(fTail, SET(twoPiHead)), MUL(f, ADD(SET(twoPiTail), rest))));
    __m256d c = ADD(SET(1.0), MUL(z, cosPart));
    // The quadrant q = n mod 4 sits in the low bits of t + 1.5·2^52.
    __m256i q = _mm256_and_si256(_mm256_castpd_si256(shifted), _mm256_set1_epi64x(3));
    __m256i one = _mm256_set1_epi64x(1);
    __m256d oddMask = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(q, one), one));
    __m256d sv = _mm256_blendv_pd(s, c, oddMask);
    __m256d cv = _mm256_blendv_pd(c, s, oddMask);
    __m256i two = _mm256_set1_epi64x(2);
    __m256i sineSign = _mm256_slli_epi64(_mm256_and_si256(q, two), 62);
    __m256i cosineSign = _mm256_slli_epi64(_mm256_and_si256(_mm256_add_epi64(q, one), two), 62);
    *sine = _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(sv), sineSign));
    *cosine = _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(cv), cosineSign));
}

// MARK: Box–Muller

// Four pairs: in = (u1, u2) × 4 interleaved, out = (r cos, r sin) × 4 interleaved.
KVLAB_AVX2 static inline void boxMuller4(const double *in, double *out) {
    __m256d a = _mm256_loadu_pd(in);        // pairs 0, 1
    __m256d b = _mm256_loadu_pd(in + 4);    // pairs 2, 3
    __m256d u1 = _mm256_unpacklo_pd(a, b);  // lanes: pairs 0, 2, 1, 3
    __m256d u2 = _mm256_unpackhi_pd(a, b);
    __m256d radius = _mm256_sqrt_pd(MUL(SET(-2.0), logNormal4(u1)));
    __m256d sine, cosine;
    sinCos4(u2, &sine, &cosine);
    __m256d c = MUL(radius, cosine);
    __m256d s = MUL(radius, sine);
    _mm256_storeu_pd(out, _mm256_unpacklo_pd(c, s));
    _mm256_storeu_pd(out + 4, _mm256_unpackhi_pd(c, s));
}

KVLAB_AVX2 void kvlab_avx2_box_muller(const double *u, long pairs, double *out) {
    long p = 0;
    for (; p + 4 <= pairs; p += 4) boxMuller4(u + 2 * p, out + 2 * p);
    if (p < pairs) {
        double in[8] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
        double result[8];
        long left = pairs - p;
        for (long i = 0; i < 2 * left; i++) in[i] = u[2 * p + i];
        boxMuller4(in, result);
        for (long i = 0; i < 2 * left; i++) out[2 * p + i] = result[i];
    }
}

// MARK: rows of exp

/// Loads `left` < 4 values, the other lanes `fill`.
KVLAB_AVX2 static inline __m256d loadPartial(const double *x, long left, double fill) {
    double v[4] = {fill, fill, fill, fill};
    for (long i = 0; i < left; i++) v[i] = x[i];
    return _mm256_loadu_pd(v);
}

KVLAB_AVX2 void kvlab_avx2_exp(const double *x, long n, double factor, double *out) {
    const __m256d fv = SET(factor);
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, exp4(MUL(fv, _mm256_loadu_pd(x + i))));
    if (i < n) {
        double r[4];
        _mm256_storeu_pd(r, exp4(MUL(fv, loadPartial(x + i, n - i, 0))));
        for (long t = 0; i + t < n; t++) out[i + t] = r[t];
    }
}

KVLAB_AVX2 double kvlab_avx2_sum_exp(const double *x, long n, double shift) {
    const __m256d sv = SET(shift);
    double sum = 0;
    double e[4];
    for (long i = 0; i < n; i += 4) {
        long left = n - i < 4 ? n - i : 4;
        __m256d v = left == 4 ? _mm256_loadu_pd(x + i) : loadPartial(x + i, left, 0);
        _mm256_storeu_pd(e, exp4(SUB(v, sv)));
        for (long t = 0; t < left; t++) sum += e[t];
    }
    return sum;
}

// MARK: attention metrics

/// QueryMetrics.klTerm: p·(u + e^{−u} − 1) for u > −1, else p·u + q − p; 0 where p = 0.
KVLAB_AVX2 static inline __m256d klTerm4(__m256d p, __m256d q, __m256d u, __m256d expm1MinusU) {
    __m256d near = MUL(p, ADD(u, expm1MinusU));
    __m256d far = SUB(ADD(MUL(p, u), q), p);
    return SELECT(EQ(p, SET(0)), SET(0), SELECT(GT(u, SET(-1)), near, far));
}

/// Four rows r0…r3 transposed into lanes: c[t] = (r0[t], r1[t], r2[t], r3[t]).
KVLAB_LANES void transpose4(__m256d r0, __m256d r1, __m256d r2, __m256d r3, __m256d *c) {
    __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
    __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
    __m256d t2 = _mm256_unpacklo_pd(r2, r3);
    __m256d t3 = _mm256_unpackhi_pd(r2, r3);
    c[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    c[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    c[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    c[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

KVLAB_AVX2 void kvlab_avx2_query_terms(const double *s, const double *lp, const double *qs, const double *lq,
                                       const double *pRef, const double *pQuant, const double *rootRef, long n,
                                       double *sums) {
    // The sums in lanes, each still adding its tokens' terms one at a time in token order: lanes of `first`
    // = (kl, klReverse, tv, Σ(√p − √p̂)²), lanes of `second` = (entropy, quantEntropy, bias, Σ p·δ²), where
    // the entropies subtract their terms (the subtraction of the Swift code; a skipped term subtracts +0,
    // which changes no sum: a sum that starts at +0 is never −0). JS adds two terms per token, in scalar.
    __m256d first = _mm256_setzero_pd(), second = _mm256_setzero_pd();
    const __m256d subtracts = _mm256_castsi256_pd(_mm256_setr_epi64x(-1, -1, 0, 0));
    double js = 0;
    double tJS1[4], tJS2[4];
    for (long j = 0; j < n; j += 4) {
        long left = n - j < 4 ? n - j : 4;
        __m256d p, pq, lpv, lqv, root, sv, qsv;
        if (left == 4) {
            p = _mm256_loadu_pd(pRef + j);
            pq = _mm256_loadu_pd(pQuant + j);
            lpv = _mm256_loadu_pd(lp + j);
            lqv = _mm256_loadu_pd(lq + j);
            root = _mm256_loadu_pd(rootRef + j);
            sv = _mm256_loadu_pd(s + j);
            qsv = _mm256_loadu_pd(qs + j);
        } else {
            p = loadPartial(pRef + j, left, 0);
            pq = loadPartial(pQuant + j, left, 0);
            lpv = loadPartial(lp + j, left, 0);
            lqv = loadPartial(lq + j, left, 0);
            root = loadPartial(rootRef + j, left, 0);
            sv = loadPartial(s + j, left, 0);
            qsv = loadPartial(qs + j, left, 0);
        }
        __m256d u = SUB(lpv, lqv);
        __m256d a = absolute(u);
        __m256d e = expm14(_mm256_xor_pd(a, SET(-0.0)));  // −a
        __m256d f = SELECT(LT(a, SET(1.5)), DIV(_mm256_xor_pd(e, SET(-0.0)), ADD(SET(1), e)), SET(INFINITY));
        __m256d nonNegative = GE(u, SET(0));
        __m256d expm1MinusU = SELECT(nonNegative, e, f);
        __m256d expm1U = SELECT(nonNegative, f, e);
        __m256d minusU = _mm256_xor_pd(u, SET(-0.0));
        __m256d kl = klTerm4(p, pq, u, expm1MinusU);
        __m256d klReverse = klTerm4(pq, p, minusU, expm1U);
        __m256d m = MUL(SET(0.5), ADD(p, pq));
        // logRatiosToMidpoint: both log1p arguments of |u| < ¾, or log1p(e^{−|u|}) beyond (not computed
        // when every lane is close).
        __m256d close = LT(a, SET(0.75));
        __m256d halfMinus = MUL(SET(0.5), expm1MinusU);
        __m256d halfPlus = MUL(SET(0.5), expm1U);
        __m256d firstArgument = _mm256_movemask_pd(close) == 0xF
                                    ? halfMinus
                                    : SELECT(close, halfMinus, exp4(_mm256_xor_pd(a, SET(-0.0))));
        __m256d firstLog = log1p4(firstArgument);
        __m256d secondLog = log1p4(halfPlus);
        __m256d shared = firstLog;
        __m256d nearM = SUB(SET(ln2), shared);
        __m256d farM = SUB(SET(ln2), ADD(a, shared));
        __m256d positive = GT(u, SET(0));
        __m256d logPOverM = SELECT(close, _mm256_xor_pd(firstLog, SET(-0.0)), SELECT(positive, nearM, farM));
        __m256d logQOverM = SELECT(close, _mm256_xor_pd(secondLog, SET(-0.0)), SELECT(positive, farM, nearM));
        _mm256_storeu_pd(tJS1, MUL(SET(0.5), klTerm4(p, m, logPOverM, halfMinus)));
        _mm256_storeu_pd(tJS2, MUL(SET(0.5), klTerm4(pq, m, logQOverM, halfPlus)));
        __m256d tv = absolute(SUB(p, pq));
        __m256d r = SUB(root, exp4(MUL(SET(0.5), lqv)));
        __m256d rootTerm = MUL(r, r);
        __m256d entropy = SELECT(GT(p, SET(0)), MUL(p, lpv), SET(0));
        __m256d quantEntropy = SELECT(GT(pq, SET(0)), MUL(pq, lqv), SET(0));
        __m256d delta = SUB(qsv, sv);
        __m256d pd = MUL(p, delta);
        __m256d pdd = MUL(pd, delta);
        __m256d firstTerms[4], secondTerms[4];
        transpose4(kl, klReverse, tv, rootTerm, firstTerms);
        transpose4(entropy, quantEntropy, pd, pdd, secondTerms);
        for (long t = 0; t < left; t++) {
            first = ADD(first, firstTerms[t]);
            second = SELECT(subtracts, SUB(second, secondTerms[t]), ADD(second, secondTerms[t]));
            js += tJS1[t];
            js += tJS2[t];
        }
    }
    double firstSums[4], secondSums[4];
    _mm256_storeu_pd(firstSums, first);
    _mm256_storeu_pd(secondSums, second);
    sums[0] = firstSums[0];
    sums[1] = firstSums[1];
    sums[2] = js;
    sums[3] = firstSums[2];
    sums[4] = firstSums[3];
    sums[5] = secondSums[0];
    sums[6] = secondSums[1];
    sums[7] = secondSums[2];
    sums[8] = secondSums[3];
}

// MARK: geometry

/// Column i of four rows (at rows[0…3] + i), i + 4 ≤ d: four columns at once.
KVLAB_AVX2 static inline void columns4(const double *const rows[4], long i, __m256d *c) {
    transpose4(_mm256_loadu_pd(rows[0] + i), _mm256_loadu_pd(rows[1] + i), _mm256_loadu_pd(rows[2] + i),
               _mm256_loadu_pd(rows[3] + i), c);
}

KVLAB_AVX2 static inline __m256d column1(const double *const rows[4], long i) {
    return _mm256_setr_pd(rows[0][i], rows[1][i], rows[2][i], rows[3][i]);
}

/// ‖row‖ of four rows in lanes, as Kernels.norm: four lane sums of squares (index mod 4), the tail into
/// the first, combined as (s0 + s1) + (s2 + s3), then the square root.
KVLAB_AVX2 static inline __m256d norms4(const double *const rows[4], long d) {
    __m256d s[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    long i = 0;
    for (; i + 4 <= d; i += 4) {
        __m256d c[4];
        columns4(rows, i, c);
        for (int k = 0; k < 4; k++) s[k] = ADD(s[k], MUL(c[k], c[k]));
    }
    for (; i < d; i++) {
        __m256d c = column1(rows, i);
        s[0] = ADD(s[0], MUL(c, c));
    }
    return _mm256_sqrt_pd(ADD(ADD(s[0], s[1]), ADD(s[2], s[3])));
}

KVLAB_AVX2 void kvlab_avx2_row_geometry(const double *x, const double *y, long rows, long d, double *out) {
    for (long r = 0; r < rows; r += 4) {
        long count = rows - r < 4 ? rows - r : 4;
        const double *xr[4], *yr[4];
        for (long t = 0; t < 4; t++) {
            long row = r + (t < count ? t : count - 1);  // the last rows repeat in unused lanes
            xr[t] = x + row * d;
            yr[t] = y + row * d;
        }
        __m256d nx = norms4(xr, d);
        __m256d ny = norms4(yr, d);
        __m256d diff = _mm256_setzero_pd(), sum = _mm256_setzero_pd(), err = _mm256_setzero_pd();
        long i = 0;
        for (; i < d; i += 4) {
            __m256d a[4], b[4];
            long width = d - i < 4 ? d - i : 4;
            if (width == 4) {
                columns4(xr, i, a);
                columns4(yr, i, b);
            } else {
                for (long k = 0; k < width; k++) {
                    a[k] = column1(xr, i + k);
                    b[k] = column1(yr, i + k);
                }
            }
            for (long k = 0; k < width; k++) {
                __m256d ua = DIV(a[k], nx);
                __m256d ub = DIV(b[k], ny);
                __m256d minus = SUB(ua, ub);
                __m256d plus = ADD(ua, ub);
                diff = ADD(diff, MUL(minus, minus));
                sum = ADD(sum, MUL(plus, plus));
                __m256d e = SUB(a[k], b[k]);
                err = ADD(err, MUL(e, e));
            }
        }
        double v[5][4];
        _mm256_storeu_pd(v[0], nx);
        _mm256_storeu_pd(v[1], ny);
        _mm256_storeu_pd(v[2], diff);
        _mm256_storeu_pd(v[3], sum);
        _mm256_storeu_pd(v[4], err);
        for (long t = 0; t < count; t++) {
            for (int k = 0; k < 5; k++) out[(r + t) * 5 + k] = v[k][t];
        }
    }
}

#else

// Other CPUs never select the AVX2 path (kvlab_kernels_avx2_supported() is 0), so these are never called.
void kvlab_avx2_box_muller(const double *u, long pairs, double *out) { __builtin_trap(); }
void kvlab_avx2_exp(const double *x, long n, double factor, double *out) { __builtin_trap(); }
double kvlab_avx2_sum_exp(const double *x, long n, double shift) { __builtin_trap(); }
void kvlab_avx2_row_geometry(const double *x, const double *y, long rows, long d, double *out) { __builtin_trap(); }
void kvlab_avx2_query_terms(const double *s, const double *lp, const double *qs, const double *lq,
                            const double *pRef, const double *pQuant, const double *rootRef, long n, double *sums) {
    __builtin_trap();
}

#endif
