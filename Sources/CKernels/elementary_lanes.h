// kvlab's elementary functions (Sources/Statistics/Elementary.swift) in four lanes of double, and the kernels
// built on them: Box–Muller, rows of exp, the per-token terms of the attention metrics
// (Sources/Quantization/TrialMetrics.swift), and the per-row sums of the geometry metrics
// (Sources/Quantization/Geometry.swift), four rows in the four lanes. Written once with clang's vector
// extensions and compiled twice: by elementary_avx2.c for AVX2 (kvlab_avx2_…) and by elementary_baseline.c
// for baseline x86-64 (kvlab_base_…, each four-lane operation two SSE2 instructions). The includer defines
// KVLAB_LANE_NAME(name), the exported name, and KVLAB_LANES_AVX2 (1 or 0). Each lane performs exactly the
// IEEE operations of the Swift function, in the same order (both branches of a condition are computed and the
// lane takes the one the Swift code takes; a side no lane takes is skipped); arguments outside a function's
// main range take the scalar ports of elementary_common.h. Sums over tokens or over a row's values stay
// sequential. KernelPathTests compare every function, on both paths, with the Swift code bit for bit.

#include "kvlab_kernels.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__)

#include "elementary_common.h"

#if KVLAB_LANES_AVX2
#include <immintrin.h>
// Every function from here on (and only these: the scalar ports above stay baseline code) is AVX2 code.
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#include <emmintrin.h>
// The four-lane values never cross a non-inlined call, so the AVX calling convention clang warns about for
// 256-bit vector arguments without AVX never applies.
#pragma clang diagnostic ignored "-Wpsabi"
#endif

typedef double v4d __attribute__((ext_vector_type(4)));
typedef long long v4l __attribute__((ext_vector_type(4)));
typedef unsigned long long v4u __attribute__((ext_vector_type(4)));
typedef int v8i __attribute__((ext_vector_type(8)));

// Lane helpers are always inlined: their callers run them in loops, and an out-of-line call per four values
// costs more than the work around it.
#define LANES __attribute__((always_inline)) static inline

// MARK: lane helpers

LANES v4d load4(const double *p) {
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

LANES void store4(double *p, v4d v) { memcpy(p, &v, sizeof v); }

/// Loads `left` < 4 values, the other lanes `fill`. Only for tails, and not forced inline: forced, it changed
/// the code around the hot loops (AVX2 sum_exp measured 2% slower).
static inline v4d loadPartial(const double *x, long left, double fill) {
    double v[4] = {fill, fill, fill, fill};
    for (long i = 0; i < left; i++) v[i] = x[i];
    return load4(v);
}

/// A comparison's lanes (all ones or all zeros) as a mask.
#define MASK(comparison) ((v4l)(comparison))

/// yes where the mask is set, else no (bit selection: exact). AVX2 blends: clang makes the bit selection a
/// blend only for masks it can see are comparisons (not for sinCos4's quadrant mask).
LANES v4d select4(v4l mask, v4d yes, v4d no) {
#if KVLAB_LANES_AVX2
    return (v4d)_mm256_blendv_pd((__m256d)no, (__m256d)yes, (__m256d)mask);
#else
    return (v4d)(((v4l)yes & mask) | ((v4l)no & ~mask));
#endif
}

/// Bit i set where lane i of the mask is: movemasks (clang's own lowering of a generic form packs and
/// shuffles where the mask is not plainly a comparison).
LANES int bits4(v4l mask) {
#if KVLAB_LANES_AVX2
    return _mm256_movemask_pd((__m256d)mask);
#else
    return _mm_movemask_pd((__m128d)mask.lo) | (_mm_movemask_pd((__m128d)mask.hi) << 2);
#endif
}

LANES v4d absolute4(v4d x) { return (v4d)((v4l)x & 0x7fffffffffffffffLL); }

/// table[j] in each lane. AVX2 gathers; SSE2 has no gather, so the baseline loads one lane at a time.
LANES v4d gather4(const double *table, v4l j) {
#if KVLAB_LANES_AVX2
    return (v4d)_mm256_i64gather_pd(table, (__m256i)j, 8);
#else
    return (v4d){table[j.x], table[j.y], table[j.z], table[j.w]};
#endif
}

/// Lanes where `bad` is set get f(x) from the scalar function instead.
LANES v4d patch4(v4d result, v4d x, v4l bad, double (*f)(double)) {
    int mask = bits4(bad);
    if (mask == 0) return result;
    double r[4], a[4];
    store4(r, result);
    store4(a, x);
    for (int i = 0; i < 4; i++) {
        if (mask & (1 << i)) r[i] = f(a[i]);
    }
    return load4(r);
}

/// Four rows r0…r3 transposed into lanes: c[t] = (r0[t], r1[t], r2[t], r3[t]). The interleaves stay within
/// 128-bit halves (one instruction on AVX2, one per half on SSE2); the last step moves whole halves.
LANES void transpose4(v4d r0, v4d r1, v4d r2, v4d r3, v4d *c) {
    v4d t0 = __builtin_shufflevector(r0, r1, 0, 4, 2, 6);  // r0[0] r1[0] r0[2] r1[2]
    v4d t1 = __builtin_shufflevector(r0, r1, 1, 5, 3, 7);  // r0[1] r1[1] r0[3] r1[3]
    v4d t2 = __builtin_shufflevector(r2, r3, 0, 4, 2, 6);
    v4d t3 = __builtin_shufflevector(r2, r3, 1, 5, 3, 7);
    c[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
    c[1] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    c[2] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
    c[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

// MARK: exp and expm1

/// 2^m (as bits (1023 + m) << 52) for k with m = k >> 6: only the low 12 bits of 1023 + m reach the exponent
/// field, and they are the same for a logical as for an arithmetic shift.
LANES v4d powerOfTwoFromK(v4l k) { return (v4d)((((v4u)k >> 6) + 1023) << 52); }

/// Elementary.reduceExp, expMinusOneSmall and the table: k (as an integer and as a double), p = e^r − 1, and
/// the table's head and tail.
LANES void expParts(v4d x, v4l *k, v4d *kd, v4d *p, v4d *head, v4d *tail) {
    v4d shifted = x * sixtyFourOverLn2 + roundingShift;
    // shifted = 1.5·2^52 + k exactly, so its bits are those of 1.5·2^52 plus k.
    *k = (v4l)shifted - (v4l)(v4d)roundingShift;
    *kd = shifted - roundingShift;
    v4d r = (x - *kd * ln2Over64Head) - *kd * ln2Over64Tail;
    v4d r2 = r * r;
    v4d high = (1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040));
    *p = r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * high);
    v4l j = *k & 63;
    *head = gather4(expHead, j);
    *tail = gather4(expTail, j);
}

/// Elementary.exp.
LANES v4d exp4(v4d x) {
    v4l k;
    v4d kd, p, head, tail;
    expParts(x, &k, &kd, &p, &head, &tail);
    v4d y = head + (tail + head * p);
    v4d result = y * powerOfTwoFromK(k);
    return patch4(result, x, ~MASK(absolute4(x) < 708.0), expOutside);
}

/// Elementary.expm1 for |x| < ¼: the Taylor polynomial (Estrin).
LANES v4d expm1Small4(v4d x) {
    v4d x2 = x * x;
    v4d x4 = x2 * x2;
    v4d low = (1.0 / 6 + x * (1.0 / 24)) + x2 * (1.0 / 120 + x * (1.0 / 720));
    v4d middle = (1.0 / 5040 + x * (1.0 / 40320)) + x2 * (1.0 / 362880 + x * (1.0 / 3628800));
    v4d high = (1.0 / 39916800 + x * (1.0 / 479001600)) + x2 * (1.0 / 6227020800);
    v4d tailSum = low + x4 * (middle + x4 * high);
    return x + x * (0.5 * x + x2 * tailSum);
}

/// Elementary.expm1 for ¼ ≤ |x| < 708: from the table.
LANES v4d expm1Table4(v4d x) {
    v4l k;
    v4d kd, p, head, tail;
    expParts(x, &k, &kd, &p, &head, &tail);
    v4d scale = powerOfTwoFromK(k);
    v4d rest = scale * (tail + head * p);
    v4d headScaled = head * scale;
    v4d below = (headScaled + rest) - 1.0;  // m < −1
    v4d above = (headScaled - 1.0) + rest;
    // m = k >> 6 < −1 ⇔ k < −64, compared as doubles (SSE2 has no 64-bit integer comparison).
    return select4(MASK(kd < -64.0), below, above);
}

/// Elementary.expm1.
LANES v4d expm14(v4d x) {
    v4d ax = absolute4(x);
    v4l isSmall = MASK(ax < 0.25);
    int small = bits4(isSmall);
    // Lanes of one kind only compute that kind (the other's result would not be selected).
    if (small == 0xF) return expm1Small4(x);
    v4d table = expm1Table4(x);
    v4d result = small == 0 ? table : select4(isSmall, expm1Small4(x), table);
    return patch4(result, x, ~MASK(ax < 708.0), expm1Outside);
}

// MARK: log and log1p

/// Elementary.logKernel(f, exponent: e, low: low).
LANES v4d logKernel4(v4d f, v4d e, v4d low) {
    v4d s = f / (2.0 + f);
    v4d z = s * s;
    v4d z2 = z * z;
    v4d p = (logC[0] + z * logC[1]) +
            z2 * ((logC[2] + z * logC[3]) + z2 * ((logC[4] + z * logC[5]) + z2 * (logC[6] + z * logC[7])));
    v4d halfSquare = 0.5 * f * f;
    return e * ln2Head - ((halfSquare - (s * (halfSquare + z * p) + (e * ln2Tail + low))) - f);
}

/// Elementary.logSplit of positive normal doubles: (e, m − 1).
LANES void logSplit4(v4d x, v4d *e, v4d *f) {
    v4l bits = (v4l)x;
    v4l offset = bits - 0x3fe6a09e667f3bcdLL;
    // e = offset >> 52 (arithmetic): the high 32 bits of each lane shifted right by 20, then converted exactly
    // from 32-bit integers (neither target has a 64-bit conversion).
    v8i halves = (v8i)offset >> 20;
    *e = __builtin_convertvector(__builtin_shufflevector(halves, halves, 1, 3, 5, 7), v4d);
    *f = (v4d)(bits - (offset & (long long)0xfff0000000000000ULL)) - 1.0;
}

/// Elementary.log for positive normal x (uniforms of RandomStream).
LANES v4d logNormal4(v4d x) {
    v4d e, f;
    logSplit4(x, &e, &f);
    return logKernel4(f, e, 0.0);
}

/// Elementary.log1p.
LANES v4d log1p4(v4d x) {
    v4l isZero = MASK(x == 0.0);
    // Outside (−0.2928, 0.4142): u = 1 + x, its rounding error c, and log u + c/u.
    v4l inside = MASK(x > -0.2928) & MASK(x < 0.4142);
    // Every lane inside: the kernel on x alone (what the selections below give those lanes).
    if (bits4(inside) == 0xF) return select4(isZero, x, logKernel4(x, 0.0, 0.0));
    v4d u = 1.0 + x;
    v4d c = select4(MASK(x >= 1.0), 1.0 - (u - x), x - (u - 1.0));
    // Outside lanes with NaN, ±∞ or x ≤ −1 take the scalar branches; keep their arithmetic harmless.
    v4l bad = ~inside & (~MASK(x > -1.0) | MASK(x == INFINITY));
    v4d safeU = select4(bad, 1.0, u);
    v4d e, f;
    logSplit4(safeU, &e, &f);
    v4d fIn = select4(inside, x, f);
    v4d eIn = select4(inside, 0.0, e);
    v4d lowIn = select4(inside, 0.0, c / safeU);
    v4d result = select4(isZero, x, logKernel4(fIn, eIn, lowIn));
    return patch4(result, x, bad, log1pSpecial);
}

// MARK: sin and cos of 2πu

/// Elementary.sinCosTwoPi for 0 < u < 2^49.
LANES void sinCos4(v4d u, v4d *sine, v4d *cosine) {
    v4d t = 4.0 * u;
    v4d shifted = t + roundingShift;
    v4d nq = shifted - roundingShift;
    v4d f = 0.25 * (t - nq);
    v4d z = f * f;
    v4d z2 = z * z;
    v4d rest = z * ((sinC[1] + z * sinC[2]) + z2 * ((sinC[3] + z * sinC[4]) + z2 * (sinC[5] + z * sinC[6])));
    v4d cosPart =
        (cosC[0] + z * cosC[1]) + z2 * ((cosC[2] + z * cosC[3]) + z2 * (cosC[4] + z * (cosC[5] + z * cosC[6])));
    v4d spread = f * 134217729.0;
    v4d fHead = spread - (spread - f);
    v4d fTail = f - fHead;
    v4d s = fHead * twoPiHead + (fTail * twoPiHead + f * (twoPiTail + rest));
    v4d c = 1.0 + z * cosPart;
    // The quadrant q = n mod 4 sits in the low bits of t + 1.5·2^52.
    v4u q = (v4u)shifted & 3;
    v4l odd = -(v4l)(q & 1);
    v4d sv = select4(odd, c, s);
    v4d cv = select4(odd, s, c);
    *sine = (v4d)((v4u)sv ^ ((q & 2) << 62));
    *cosine = (v4d)((v4u)cv ^ (((q + 1) & 2) << 62));
}

// MARK: Box–Muller

// The lanes of boxMuller4 hold pairs 0, 2, 1, 3 on AVX2: the order its interleaves within 128-bit halves give
// (a permute more per vector to cross the halves measured 11% slower there). SSE2, whose four lanes are two
// registers anyway, holds pairs 0…3 (3% faster there than the AVX2 order).
#if KVLAB_LANES_AVX2
#define PAIR_FIRSTS 0, 4, 2, 6
#define PAIR_SECONDS 1, 5, 3, 7
#define PAIRS_LOW 0, 4, 2, 6
#define PAIRS_HIGH 1, 5, 3, 7
#else
#define PAIR_FIRSTS 0, 2, 4, 6
#define PAIR_SECONDS 1, 3, 5, 7
#define PAIRS_LOW 0, 4, 1, 5
#define PAIRS_HIGH 2, 6, 3, 7
#endif

// Four pairs: in = (u1, u2) × 4 interleaved, out = (r cos, r sin) × 4 interleaved.
LANES void boxMuller4(const double *in, double *out) {
    v4d a = load4(in);      // pairs 0, 1
    v4d b = load4(in + 4);  // pairs 2, 3
    v4d u1 = __builtin_shufflevector(a, b, PAIR_FIRSTS);
    v4d u2 = __builtin_shufflevector(a, b, PAIR_SECONDS);
    v4d radius = __builtin_elementwise_sqrt(-2.0 * logNormal4(u1));
    v4d sine, cosine;
    sinCos4(u2, &sine, &cosine);
    v4d c = radius * cosine;
    v4d s = radius * sine;
    store4(out, __builtin_shufflevector(c, s, PAIRS_LOW));
    store4(out + 4, __builtin_shufflevector(c, s, PAIRS_HIGH));
}

void KVLAB_LANE_NAME(box_muller)(const double *u, long pairs, double *out) {
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

void KVLAB_LANE_NAME(exp)(const double *x, long n, double factor, double *out) {
    long i = 0;
    for (; i + 4 <= n; i += 4) store4(out + i, exp4(factor * load4(x + i)));
    if (i < n) {
        double r[4];
        store4(r, exp4(factor * loadPartial(x + i, n - i, 0)));
        for (long t = 0; i + t < n; t++) out[i + t] = r[t];
    }
}

double KVLAB_LANE_NAME(sum_exp)(const double *x, long n, double shift) {
    double sum = 0;
    double e[4];
    for (long i = 0; i < n; i += 4) {
        long left = n - i < 4 ? n - i : 4;
        v4d v = left == 4 ? load4(x + i) : loadPartial(x + i, left, 0);
        store4(e, exp4(v - shift));
        for (long t = 0; t < left; t++) sum += e[t];
    }
    return sum;
}

// MARK: attention metrics

/// QueryMetrics.klTerm: p·(u + e^{−u} − 1) for u > −1, else p·u + q − p; 0 where p = 0.
LANES v4d klTerm4(v4d p, v4d q, v4d u, v4d expm1MinusU) {
    v4d near = p * (u + expm1MinusU);
    v4d far = (p * u + q) - p;
    return select4(MASK(p == 0.0), 0.0, select4(MASK(u > -1.0), near, far));
}

void KVLAB_LANE_NAME(query_terms)(const double *s, const double *lp, const double *qs, const double *lq,
                                  const double *pRef, const double *pQuant, const double *rootRef, long n,
                                  double *sums) {
    // The sums in lanes, each still adding its tokens' terms one at a time in token order: lanes of `first`
    // = (kl, klReverse, tv, Σ(√p − √p̂)²), lanes of `second` = (entropy, quantEntropy, bias, Σ p·δ²), where
    // the entropies subtract their terms (the subtraction of the Swift code; a skipped term subtracts +0,
    // which changes no sum: a sum that starts at +0 is never −0). JS adds two terms per token, in scalar.
    v4d first = 0.0, second = 0.0;
    double js = 0;
    double tJS1[4], tJS2[4];
    for (long j = 0; j < n; j += 4) {
        long left = n - j < 4 ? n - j : 4;
        v4d p, pq, lpv, lqv, root, sv, qsv;
        if (left == 4) {
            p = load4(pRef + j);
            pq = load4(pQuant + j);
            lpv = load4(lp + j);
            lqv = load4(lq + j);
            root = load4(rootRef + j);
            sv = load4(s + j);
            qsv = load4(qs + j);
        } else {
            p = loadPartial(pRef + j, left, 0);
            pq = loadPartial(pQuant + j, left, 0);
            lpv = loadPartial(lp + j, left, 0);
            lqv = loadPartial(lq + j, left, 0);
            root = loadPartial(rootRef + j, left, 0);
            sv = loadPartial(s + j, left, 0);
            qsv = loadPartial(qs + j, left, 0);
        }
        v4d u = lpv - lqv;
        v4d a = absolute4(u);
        v4d e = expm14(-a);
        v4d f = select4(MASK(a < 1.5), -e / (1.0 + e), INFINITY);
        v4l nonNegative = MASK(u >= 0.0);
        v4d expm1MinusU = select4(nonNegative, e, f);
        v4d expm1U = select4(nonNegative, f, e);
        v4d kl = klTerm4(p, pq, u, expm1MinusU);
        v4d klReverse = klTerm4(pq, p, -u, expm1U);
        v4d m = 0.5 * (p + pq);
        // logRatiosToMidpoint: both log1p arguments for |u| < ¾, or log1p(e^{−|u|}) beyond (not computed when
        // every lane is close).
        v4l close = MASK(a < 0.75);
        v4d halfMinus = 0.5 * expm1MinusU;
        v4d halfPlus = 0.5 * expm1U;
        v4d firstArgument = bits4(close) == 0xF ? halfMinus : select4(close, halfMinus, exp4(-a));
        v4d firstLog = log1p4(firstArgument);
        v4d secondLog = log1p4(halfPlus);
        v4d nearM = ln2 - firstLog;
        v4d farM = ln2 - (a + firstLog);
        v4l positive = MASK(u > 0.0);
        v4d logPOverM = select4(close, -firstLog, select4(positive, nearM, farM));
        v4d logQOverM = select4(close, -secondLog, select4(positive, farM, nearM));
        store4(tJS1, 0.5 * klTerm4(p, m, logPOverM, halfMinus));
        store4(tJS2, 0.5 * klTerm4(pq, m, logQOverM, halfPlus));
        v4d tv = absolute4(p - pq);
        v4d r = root - exp4(0.5 * lqv);
        v4d rootTerm = r * r;
        v4d entropy = select4(MASK(p > 0.0), p * lpv, 0.0);
        v4d quantEntropy = select4(MASK(pq > 0.0), pq * lqv, 0.0);
        v4d delta = qsv - sv;
        v4d pd = p * delta;
        v4d pdd = pd * delta;
        v4d firstTerms[4], secondTerms[4];
        transpose4(kl, klReverse, tv, rootTerm, firstTerms);
        transpose4(entropy, quantEntropy, pd, pdd, secondTerms);
        for (long t = 0; t < left; t++) {
            first = first + firstTerms[t];
            // Lanes 0 and 1 subtract, 2 and 3 add (a blend with constant lanes on AVX2, neither half's
            // other operation on SSE2).
            second = __builtin_shufflevector(second - secondTerms[t], second + secondTerms[t], 0, 1, 6, 7);
            js += tJS1[t];
            js += tJS2[t];
        }
    }
    sums[0] = first.x;
    sums[1] = first.y;
    sums[2] = js;
    sums[3] = first.z;
    sums[4] = first.w;
    sums[5] = second.x;
    sums[6] = second.y;
    sums[7] = second.z;
    sums[8] = second.w;
}

// MARK: geometry

#if KVLAB_LANES_AVX2
#define GEOMETRY_COLUMNS 4
#else
#define GEOMETRY_COLUMNS 1
#endif

/// Column i of four rows (at rows[0…3] + i).
LANES v4d column1(const double *const rows[4], long i) {
    return (v4d){rows[0][i], rows[1][i], rows[2][i], rows[3][i]};
}

/// Columns i…i + 3 of four rows, i + 4 ≤ d. AVX2 transposes four row loads; SSE2 loads the lanes one at a
/// time (its transposes cost more than they save there).
LANES void columns4(const double *const rows[4], long i, v4d *c) {
#if KVLAB_LANES_AVX2
    transpose4(load4(rows[0] + i), load4(rows[1] + i), load4(rows[2] + i), load4(rows[3] + i), c);
#else
    for (int k = 0; k < 4; k++) c[k] = column1(rows, i + k);
#endif
}

/// ‖row‖ of four rows in lanes, as Kernels.norm: four lane sums of squares (index mod 4), the tail into the
/// first, combined as (s0 + s1) + (s2 + s3), then the square root.
LANES v4d norms4(const double *const rows[4], long d) {
    v4d s[4] = {0.0, 0.0, 0.0, 0.0};
    long i = 0;
    for (; i + 4 <= d; i += 4) {
        v4d c[4];
        columns4(rows, i, c);
        for (int k = 0; k < 4; k++) s[k] = s[k] + c[k] * c[k];
    }
    for (; i < d; i++) {
        v4d c = column1(rows, i);
        s[0] = s[0] + c * c;
    }
    return __builtin_elementwise_sqrt((s[0] + s[1]) + (s[2] + s[3]));
}

void KVLAB_LANE_NAME(row_geometry)(const double *x, const double *y, long rows, long d, double *out) {
    for (long r = 0; r < rows; r += 4) {
        long count = rows - r < 4 ? rows - r : 4;
        const double *xr[4], *yr[4];
        for (long t = 0; t < 4; t++) {
            long row = r + (t < count ? t : count - 1);  // the last rows repeat in unused lanes
            xr[t] = x + row * d;
            yr[t] = y + row * d;
        }
        v4d nx = norms4(xr, d);
        v4d ny = norms4(yr, d);
        v4d diff = 0.0, sum = 0.0, err = 0.0;
        // AVX2 takes the columns four at a time (one transpose each); SSE2 one at a time (its four-column
        // blocks measured 2–25% slower, varying from process to process).
        for (long i = 0; i < d; i += GEOMETRY_COLUMNS) {
            v4d a[4], b[4];
            long width = d - i < GEOMETRY_COLUMNS ? d - i : GEOMETRY_COLUMNS;
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
                v4d ua = a[k] / nx;
                v4d ub = b[k] / ny;
                v4d minus = ua - ub;
                v4d plus = ua + ub;
                diff = diff + minus * minus;
                sum = sum + plus * plus;
                v4d e = a[k] - b[k];
                err = err + e * e;
            }
        }
        double v[5][4];
        store4(v[0], nx);
        store4(v[1], ny);
        store4(v[2], diff);
        store4(v[3], sum);
        store4(v[4], err);
        for (long t = 0; t < count; t++) {
            for (int k = 0; k < 5; k++) out[(r + t) * 5 + k] = v[k][t];
        }
    }
}

#if KVLAB_LANES_AVX2
#pragma clang attribute pop
#endif

#else

// Other CPUs never call these: they select neither C path (kvlab_kernels_avx2_supported() is 0, and
// KernelPath.usesBaselineC is false there), and run the Swift bodies.
void KVLAB_LANE_NAME(box_muller)(const double *u, long pairs, double *out) { __builtin_trap(); }
void KVLAB_LANE_NAME(exp)(const double *x, long n, double factor, double *out) { __builtin_trap(); }
double KVLAB_LANE_NAME(sum_exp)(const double *x, long n, double shift) { __builtin_trap(); }
void KVLAB_LANE_NAME(row_geometry)(const double *x, const double *y, long rows, long d, double *out) {
    __builtin_trap();
}
void KVLAB_LANE_NAME(query_terms)(const double *s, const double *lp, const double *qs, const double *lq,
                                  const double *pRef, const double *pQuant, const double *rootRef, long n,
                                  double *sums) {
    __builtin_trap();
}

#endif
