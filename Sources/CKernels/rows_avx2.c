// AVX2 bodies that work on blocks of four rows at once, one row per lane: the block is transposed so that
// register j holds value j of each of the four rows, and every stage of a transform becomes a plain add or
// subtract of two registers. Each row still gets exactly the IEEE operations, in exactly the order, of the
// one-row body (kvlab_avx2_fwht, Kernels.fwht); the lanes never mix. KernelPathTests compare them bit for bit.

#include "kvlab_kernels.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__)

#include <stdint.h>

#include "avx2_common.h"

/// v[0 ..< 4] = values j ..< j + 4 of the four rows at x, x + stride, …, transposed (v[k] lane r = row r's value
/// j + k): four row loads, then a 4 × 4 transpose in registers. The quantizers' rows start on a cache line
/// (AlignedDoubles), so no load straddles two lines; on rows 16 bytes off that, this measured 3–7% slower than
/// loading two values at a time, and 10% faster on aligned rows. With `signs`, each value is first multiplied
/// by its sign, signs[j ..< j + 4] being one load for the four rows.
KVLAB_AVX2 static inline void loadTransposed(const double *x, long stride, long j, __m256d v[4],
                                            const double *signs) {
    __m256d r0 = _mm256_loadu_pd(x + j), r1 = _mm256_loadu_pd(x + stride + j);
    __m256d r2 = _mm256_loadu_pd(x + 2 * stride + j), r3 = _mm256_loadu_pd(x + 3 * stride + j);
    if (signs) {
        __m256d d = _mm256_loadu_pd(signs + j);
        r0 = MUL(r0, d);
        r1 = MUL(r1, d);
        r2 = MUL(r2, d);
        r3 = MUL(r3, d);
    }
    __m256d a = _mm256_unpacklo_pd(r0, r1);  // r0[0], r1[0], r0[2], r1[2]
    __m256d b = _mm256_unpackhi_pd(r0, r1);  // r0[1], r1[1], r0[3], r1[3]
    __m256d c = _mm256_unpacklo_pd(r2, r3);
    __m256d d = _mm256_unpackhi_pd(r2, r3);
    v[0] = _mm256_permute2f128_pd(a, c, 0x20);
    v[1] = _mm256_permute2f128_pd(b, d, 0x20);
    v[2] = _mm256_permute2f128_pd(a, c, 0x31);
    v[3] = _mm256_permute2f128_pd(b, d, 0x31);
}
/// The inverse of loadTransposed: values j ..< j + 4 of the four rows from v[0 ..< 4], one store per row.
KVLAB_AVX2 static inline void storeTransposed(double *x, long stride, long j, const __m256d v[4]) {
    __m256d a = _mm256_unpacklo_pd(v[0], v[1]);  // r0[0], r0[1], r2[0], r2[1]
    __m256d b = _mm256_unpackhi_pd(v[0], v[1]);  // r1[0], r1[1], r3[0], r3[1]
    __m256d c = _mm256_unpacklo_pd(v[2], v[3]);  // r0[2], r0[3], r2[2], r2[3]
    __m256d d = _mm256_unpackhi_pd(v[2], v[3]);
    _mm256_storeu_pd(x + j, _mm256_permute2f128_pd(a, c, 0x20));
    _mm256_storeu_pd(x + stride + j, _mm256_permute2f128_pd(b, d, 0x20));
    _mm256_storeu_pd(x + 2 * stride + j, _mm256_permute2f128_pd(a, c, 0x31));
    _mm256_storeu_pd(x + 3 * stride + j, _mm256_permute2f128_pd(b, d, 0x31));
}

/// The first pass of a round: stages 1, 2 and 4 on each 8 values (columns), read from the four rows (`rows`,
/// transposed on the way) or from the transposed block t, each value first times its sign in `before` where
/// given; written to t.
KVLAB_AVX2 static void firstPass(const double *rows, long stride, double *t, long n, const double *before) {
    for (long j = 0; j < n; j += 8) {
        __m256d v[8];
        if (rows) {
            loadTransposed(rows, stride, j, v, before);
            loadTransposed(rows, stride, j + 4, v + 4, before);
        } else {
            for (int k = 0; k < 8; k++) v[k] = _mm256_loadu_pd(t + 4 * (j + k));
            if (before) {
                for (int k = 0; k < 8; k++) v[k] = MUL(v[k], _mm256_broadcast_sd(before + j + k));
            }
        }
        butterflies(v, 8);
        for (int k = 0; k < 8; k++) _mm256_storeu_pd(t + 4 * (j + k), v[k]);
    }
}

/// Multiplies z by the scale and then by the sign of its column in `after` where given.
KVLAB_AVX2 static inline __m256d finish(__m256d z, __m256d scale, const double *after, long column) {
    z = MUL(z, scale);
    return after ? MUL(z, _mm256_broadcast_sd(after + column)) : z;
}

/// `stages` (1, 2 or 3) consecutive stages h, 2h, 4h on the transposed block t in one pass; when `last`, each
/// value is then multiplied by the scale and by its sign in `after` where given.
KVLAB_AVX2 __attribute__((always_inline)) static inline void stagesPass(double *t, long n, long h, const int stages,
                                                                         __m256d scale, const double *after,
                                                                         int last) {
    const int width = 1 << stages;
    for (long block = 0; block < n; block += width * h) {
        for (long j = block; j < block + h; j++) {
            __m256d v[8];
            for (int k = 0; k < width; k++) v[k] = _mm256_loadu_pd(t + 4 * (j + k * h));
            butterflies(v, width);
            for (int k = 0; k < width; k++) {
                __m256d z = last ? finish(v[k], scale, after, j + k * h) : v[k];
                _mm256_storeu_pd(t + 4 * (j + k * h), z);
            }
        }
    }
}

/// The last stage (h = n/2) of the last round, its scale and signs, and the transpose back into the rows: four
/// columns j ..< j + 4 and their partners j + h ..< j + h + 4 per step.
KVLAB_AVX2 static void lastStageOut(const double *t, long n, __m256d scale, const double *after, double *x,
                                    long stride) {
    long h = n / 2;
    for (long j = 0; j < h; j += 4) {
        __m256d lo[4], hi[4];
        for (int k = 0; k < 4; k++) {
            __m256d a = _mm256_loadu_pd(t + 4 * (j + k)), b = _mm256_loadu_pd(t + 4 * (j + h + k));
            lo[k] = finish(ADD(a, b), scale, after, j + k);
            hi[k] = finish(SUB(a, b), scale, after, j + h + k);
        }
        storeTransposed(x, stride, j, lo);
        storeTransposed(x, stride, j + h, hi);
    }
}

/// One round: the first pass (from the rows when `rows` is given, else from t), then the remaining stages
/// three at a time, the last group being what is left (one or two stages); the scale and `after` follow the
/// last stage. When `out` is given (the last round), the result goes back into those rows, the last stage
/// fused with the transpose when it is alone in its group.
KVLAB_AVX2 static void fwhtRound(const double *rows, double *out, long stride, double *t, long n,
                                 const double *before, const double *after, __m256d scale) {
    firstPass(rows, stride, t, n, before);
    long h = 8;
    while (h < n) {
        long left = 0;
        for (long g = h; g < n; g *= 2) left++;
        int stages = left >= 3 ? 3 : (int)left;
        if (stages == 1 && out) return lastStageOut(t, n, scale, after, out, stride);
        int last = h << stages == n;
        if (stages == 3) stagesPass(t, n, h, 3, scale, after, last);
        else if (stages == 2) stagesPass(t, n, h, 2, scale, after, last);
        else stagesPass(t, n, h, 1, scale, after, last);
        h <<= stages;
    }
    if (!out) return;
    for (long j = 0; j < n; j += 4) {
        __m256d v[4];
        for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_pd(t + 4 * (j + k));
        storeTransposed(out, stride, j, v);
    }
}

KVLAB_AVX2 void kvlab_avx2_hadamard_rows4(double *x, long stride, long n, const double *signs, long rounds,
                                          int inverse, double *work) {
    // The block where 32-byte loads and stores never straddle a cache line.
    double *t = (double *)(((uintptr_t)work + 31) & ~(uintptr_t)31);
    const __m256d scale = _mm256_set1_pd(1 / __builtin_sqrt((double)n));
    for (long r = 0; r < rounds; r++) {
        // Forward: round r is x ← H(D_r x); inverse: the rounds in reverse, each x ← D_r (H x).
        const double *d = signs + (inverse ? rounds - 1 - r : r) * n;
        fwhtRound(r == 0 ? x : 0, r == rounds - 1 ? x : 0, stride, t, n, inverse ? 0 : d, inverse ? d : 0, scale);
    }
}

#else

// Other CPUs never select the AVX2 path (kvlab_kernels_avx2_supported() is 0), so this is never called.
void kvlab_avx2_hadamard_rows4(double *x, long stride, long n, const double *signs, long rounds, int inverse,
                               double *work) {
    __builtin_trap();
}

#endif
