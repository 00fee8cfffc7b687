// The AVX2 bodies of kvlab's hot Double kernels. Every output is computed with exactly the IEEE
// operations, in exactly the order, of the baseline Swift body it replaces (Sources/Quantization/
// Kernels.swift, Sources/Statistics/Elementary.swift), so both give the same bits: no fused
// multiply-add (the functions target AVX2 only, never FMA, and contraction is off), no reassociation;
// wider registers and register blocking only change how many outputs are computed at once.
// KernelPathTests compare each function with the baseline body bit for bit.

#include "kvlab_kernels.h"

#include <stdatomic.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

// MARK: selection

// -1: not chosen yet (the first reader picks AVX2 where supported); 0: baseline; 1: AVX2.
static _Atomic int active = -1;

int kvlab_kernels_avx2_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

int kvlab_kernels_avx2_active(void) {
    int value = atomic_load_explicit(&active, memory_order_relaxed);
    if (value < 0) {
        value = kvlab_kernels_avx2_supported();
        atomic_store_explicit(&active, value, memory_order_relaxed);
    }
    return value;
}

void kvlab_kernels_set_avx2_active(int on) {
    atomic_store_explicit(&active, on && kvlab_kernels_avx2_supported() ? 1 : 0, memory_order_relaxed);
}

#if defined(__x86_64__)

#include "avx2_common.h"

// MARK: products

// Lane j of the result: (a_j[0] + a_j[1]) + (a_j[2] + a_j[3]), the combine of the four lane sums.
KVLAB_AVX2 static inline __m256d combine4(__m256d a0, __m256d a1, __m256d a2, __m256d a3) {
    __m256d h01 = _mm256_hadd_pd(a0, a1);  // a0[0]+a0[1], a1[0]+a1[1], a0[2]+a0[3], a1[2]+a1[3]
    __m256d h23 = _mm256_hadd_pd(a2, a3);
    __m256d low = _mm256_permute2f128_pd(h01, h23, 0x20);
    __m256d high = _mm256_permute2f128_pd(h01, h23, 0x31);
    return _mm256_add_pd(low, high);
}

KVLAB_AVX2 void kvlab_avx2_dots(const double *q, long qCount, const double *k, long kCount, long n, double scale,
                                double *out, long outStride) {
    // Keys in blocks of about 16 KB (a multiple of 4 rows) that stay in L1 while every query passes.
    long block = 2048 / (n > 0 ? n : 1) / 4 * 4;
    if (block < 4) block = 4;
    const __m256d sv = _mm256_set1_pd(scale);
    for (long start = 0; start < kCount; start += block) {
        long end = start + block < kCount ? start + block : kCount;
        long i = 0;
        // Two queries × four keys per pass: each load serves two or four outputs.
        for (; i + 2 <= qCount; i += 2) {
            const double *q0 = q + i * n;
            const double *q1 = q0 + n;
            for (long j = start; j < end; j += 4) {
                const double *k0 = k + j * n;
                const double *k1 = k0 + n;
                const double *k2 = k1 + n;
                const double *k3 = k2 + n;
                __m256d a00 = _mm256_setzero_pd(), a01 = _mm256_setzero_pd();
                __m256d a02 = _mm256_setzero_pd(), a03 = _mm256_setzero_pd();
                __m256d a10 = _mm256_setzero_pd(), a11 = _mm256_setzero_pd();
                __m256d a12 = _mm256_setzero_pd(), a13 = _mm256_setzero_pd();
                for (long t = 0; t < n; t += 4) {
                    __m256d x0 = _mm256_loadu_pd(q0 + t);
                    __m256d x1 = _mm256_loadu_pd(q1 + t);
                    __m256d y = _mm256_loadu_pd(k0 + t);
                    a00 = _mm256_add_pd(a00, _mm256_mul_pd(x0, y));
                    a10 = _mm256_add_pd(a10, _mm256_mul_pd(x1, y));
                    y = _mm256_loadu_pd(k1 + t);
                    a01 = _mm256_add_pd(a01, _mm256_mul_pd(x0, y));
                    a11 = _mm256_add_pd(a11, _mm256_mul_pd(x1, y));
                    y = _mm256_loadu_pd(k2 + t);
                    a02 = _mm256_add_pd(a02, _mm256_mul_pd(x0, y));
                    a12 = _mm256_add_pd(a12, _mm256_mul_pd(x1, y));
                    y = _mm256_loadu_pd(k3 + t);
                    a03 = _mm256_add_pd(a03, _mm256_mul_pd(x0, y));
                    a13 = _mm256_add_pd(a13, _mm256_mul_pd(x1, y));
                }
                _mm256_storeu_pd(out + i * outStride + j, _mm256_mul_pd(sv, combine4(a00, a01, a02, a03)));
                _mm256_storeu_pd(out + (i + 1) * outStride + j, _mm256_mul_pd(sv, combine4(a10, a11, a12, a13)));
            }
        }
        for (; i < qCount; i++) {
            const double *q0 = q + i * n;
            for (long j = start; j < end; j += 4) {
                const double *k0 = k + j * n;
                __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
                __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
                for (long t = 0; t < n; t += 4) {
                    __m256d x = _mm256_loadu_pd(q0 + t);
                    a0 = _mm256_add_pd(a0, _mm256_mul_pd(x, _mm256_loadu_pd(k0 + t)));
                    a1 = _mm256_add_pd(a1, _mm256_mul_pd(x, _mm256_loadu_pd(k0 + n + t)));
                    a2 = _mm256_add_pd(a2, _mm256_mul_pd(x, _mm256_loadu_pd(k0 + 2 * n + t)));
                    a3 = _mm256_add_pd(a3, _mm256_mul_pd(x, _mm256_loadu_pd(k0 + 3 * n + t)));
                }
                _mm256_storeu_pd(out + i * outStride + j, _mm256_mul_pd(sv, combine4(a0, a1, a2, a3)));
            }
        }
    }
}

/// y[0 ..< 4w] += Σ_k a[k]·x_k[0 ..< 4w] (rows x_k at x + k·rowStride, in order k = 0, 1, …), the 4w sums in w
/// registers while every row adds its term; w is a constant at each call, so the loops over w unroll.
KVLAB_AVX2 __attribute__((always_inline)) static inline void accumulateBlock(const double *a, const double *x,
                                                                             long rowStride, long count, double *y,
                                                                             int positiveOnly, const int w) {
    __m256d sums[8];
    for (int r = 0; r < w; r++) sums[r] = _mm256_loadu_pd(y + 4 * r);
    const double *row = x;
    for (long k = 0; k < count; k++, row += rowStride) {
        double ak = a[k];
        if (positiveOnly && !(ak > 0)) continue;
        __m256d av = _mm256_set1_pd(ak);
        for (int r = 0; r < w; r++) sums[r] = ADD(sums[r], MUL(av, _mm256_loadu_pd(row + 4 * r)));
    }
    for (int r = 0; r < w; r++) _mm256_storeu_pd(y + 4 * r, sums[r]);
}

KVLAB_AVX2 void kvlab_avx2_accumulate(const double *a, const double *x, long rowStride, long count, double *y, long n,
                                      int positiveOnly) {
    long c = 0;
    // 32 values of y in eight registers (an add's latency is covered), then 16, then 4.
    for (; c + 32 <= n; c += 32) accumulateBlock(a, x + c, rowStride, count, y + c, positiveOnly, 8);
    for (; c + 16 <= n; c += 16) accumulateBlock(a, x + c, rowStride, count, y + c, positiveOnly, 4);
    for (; c + 4 <= n; c += 4) accumulateBlock(a, x + c, rowStride, count, y + c, positiveOnly, 1);
    for (; c < n; c++) {
        double sum = y[c];
        for (long k = 0; k < count; k++) {
            double ak = a[k];
            if (positiveOnly && !(ak > 0)) continue;
            sum += ak * x[k * rowStride + c];
        }
        y[c] = sum;
    }
}

/// y_t[0 ..< 8] = Σ_i x_t[i]·M_i[0 ..< 8] for the four vectors x_t at x + t·rows, t < 4 (y_t at y + t·cols), the
/// strip's rows M_i at m + i·mStride: each row of the strip (two loads) serves four vectors, eight sums in registers.
KVLAB_AVX2 static inline void transposeTimesFour(const double *m, long mStride, long rows, long cols, const double *x,
                                                 double *y) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), b0 = _mm256_setzero_pd(), b1 = _mm256_setzero_pd();
    __m256d c0 = _mm256_setzero_pd(), c1 = _mm256_setzero_pd(), d0 = _mm256_setzero_pd(), d1 = _mm256_setzero_pd();
    const double *row = m;
    for (long i = 0; i < rows; i++, row += mStride) {
        __m256d m0 = _mm256_loadu_pd(row), m1 = _mm256_loadu_pd(row + 4);
        __m256d u = _mm256_broadcast_sd(x + i);
        a0 = ADD(a0, MUL(u, m0));
        a1 = ADD(a1, MUL(u, m1));
        u = _mm256_broadcast_sd(x + rows + i);
        b0 = ADD(b0, MUL(u, m0));
        b1 = ADD(b1, MUL(u, m1));
        u = _mm256_broadcast_sd(x + 2 * rows + i);
        c0 = ADD(c0, MUL(u, m0));
        c1 = ADD(c1, MUL(u, m1));
        u = _mm256_broadcast_sd(x + 3 * rows + i);
        d0 = ADD(d0, MUL(u, m0));
        d1 = ADD(d1, MUL(u, m1));
    }
    _mm256_storeu_pd(y, a0);
    _mm256_storeu_pd(y + 4, a1);
    _mm256_storeu_pd(y + cols, b0);
    _mm256_storeu_pd(y + cols + 4, b1);
    _mm256_storeu_pd(y + 2 * cols, c0);
    _mm256_storeu_pd(y + 2 * cols + 4, c1);
    _mm256_storeu_pd(y + 3 * cols, d0);
    _mm256_storeu_pd(y + 3 * cols + 4, d1);
}

KVLAB_AVX2 void kvlab_avx2_transpose_times(const double *m, long rows, long cols, const double *x, double *y,
                                           long count) {
    // Strips of 8 columns (8 KB of M at 128 rows) serve every vector before the next strip, four vectors per
    // pass (eight sums in registers, so the adds' latency is covered and each load serves four products);
    // the vectors left over, and the columns past the last strip, go through accumulate (one vector at a time).
    // With 16 vectors or more, each strip is first copied into contiguous memory (rows a whole number of KB apart
    // fall into a few L1 sets and would be fetched from L2 again for every four vectors).
    long c = 0;
    long four = count / 4 * 4;
    enum { packRows = 512 };
    double packed[packRows * 8] __attribute__((aligned(32)));
    int pack = count >= 16 && rows <= packRows;
    for (; c + 8 <= cols; c += 8) {
        const double *strip = m + c;
        long stripStride = cols;
        if (pack) {
            for (long i = 0; i < rows; i++) {
                _mm256_store_pd(packed + 8 * i, _mm256_loadu_pd(m + i * cols + c));
                _mm256_store_pd(packed + 8 * i + 4, _mm256_loadu_pd(m + i * cols + c + 4));
            }
            strip = packed;
            stripStride = 8;
        }
        for (long t = 0; t < four; t += 4) {
            transposeTimesFour(strip, stripStride, rows, cols, x + t * rows, y + t * cols + c);
        }
    }
    for (long t = four; t < count; t++) {
        for (long j = 0; j < cols; j++) y[t * cols + j] = 0;
        kvlab_avx2_accumulate(x + t * rows, m, cols, rows, y + t * cols, cols, 0);
    }
    if (c < cols) {
        for (long t = 0; t < four; t++) {
            for (long j = c; j < cols; j++) y[t * cols + j] = 0;
            kvlab_avx2_accumulate(x + t * rows, m + c, cols, rows, y + t * cols + c, cols - c, 0);
        }
    }
}

/// o_i[0 ..< 32] += Σ_j p_ij·s_j for the queries i < qCount (p_i at p + i·pStride, o_i at o + i·oStride) over a slice
/// s of `count` value rows of 32 contiguous values; terms whose p_ij is not > 0 are skipped.
KVLAB_AVX2 static void outputsSlice(const double *p, long pStride, long qCount, const double *slice, long count,
                                    double *o, long oStride) {
    for (long i = 0; i < qCount; i++) accumulateBlock(p + i * pStride, slice, 32, count, o + i * oStride, 1, 8);
}

KVLAB_AVX2 void kvlab_avx2_outputs(const double *p, long qCount, long n, const double *v, long d, double *out) {
    // 32-column slices of 64 value rows are copied to contiguous memory (16 KB, which stays in L1 with the queries'
    // 32 output values) and serve every query before the next slice; each output still adds its terms j = 0, 1, …
    // in order, its partial sum kept in `out` between blocks. The columns past the last whole slice go through
    // accumulate, one query at a time.
    enum { keyBlock = 64 };
    double slice[keyBlock * 32] __attribute__((aligned(32)));
    long c = 0;
    for (; c + 32 <= d; c += 32) {
        for (long start = 0; start < n; start += keyBlock) {
            long count = n - start < keyBlock ? n - start : keyBlock;
            for (long j = 0; j < count; j++) {
                for (int r = 0; r < 8; r++) {
                    _mm256_store_pd(slice + 32 * j + 4 * r, _mm256_loadu_pd(v + (start + j) * d + c + 4 * r));
                }
            }
            outputsSlice(p + start, n, qCount, slice, count, out + c, d);
        }
    }
    if (c < d) {
        for (long i = 0; i < qCount; i++) kvlab_avx2_accumulate(p + i * n, v + c, d, n, out + i * d + c, d - c, 1);
    }
}

// MARK: codebook

KVLAB_AVX2 void kvlab_avx2_codebook_quantize(const double *x, long count, const double *thresholds, long cuts,
                                             const double *centroids, double *out) {
    // The cell of t is the number of thresholds ≤ t (a compare per threshold, the all-ones masks subtracted
    // from the count): what the binary search finds, since the thresholds are sorted; NaN compares false
    // everywhere (cell 0). Eight values per pass, so each broadcast threshold serves two registers.
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256d t = _mm256_loadu_pd(x + i), u = _mm256_loadu_pd(x + i + 4);
        __m256i c = _mm256_setzero_si256(), d = _mm256_setzero_si256();
        for (long k = 0; k < cuts; k++) {
            __m256d cut = _mm256_broadcast_sd(thresholds + k);
            c = _mm256_sub_epi64(c, _mm256_castpd_si256(_mm256_cmp_pd(t, cut, _CMP_GE_OQ)));
            d = _mm256_sub_epi64(d, _mm256_castpd_si256(_mm256_cmp_pd(u, cut, _CMP_GE_OQ)));
        }
        _mm256_storeu_pd(out + i, _mm256_i64gather_pd(centroids, c, 8));
        _mm256_storeu_pd(out + i + 4, _mm256_i64gather_pd(centroids, d, 8));
    }
    for (; i < count; i++) {
        long cell = 0;
        for (long k = 0; k < cuts; k++) cell += x[i] >= thresholds[k];
        out[i] = centroids[cell];
    }
}

// MARK: FWHT

/// Stores z (times the scale, then times the signs `after` where given, when `last`) at x.
KVLAB_AVX2 static inline void fwhtStore(double *x, __m256d z, __m256d scale, const double *after, int last) {
    if (last) {
        z = MUL(z, scale);
        if (after) z = MUL(z, _mm256_loadu_pd(after));
    }
    _mm256_storeu_pd(x, z);
}

/// Stages 1, 2, 4 and 8 of 16 values in four registers (each value first times its sign in `before`, where
/// given): stages 1 and 2 inside each register, 4 and 8 across them.
KVLAB_AVX2 static inline void fwhtSixteen(double *x, const double *before, const double *after, __m256d scale,
                                          int last) {
    __m256d v[4];
    for (int r = 0; r < 4; r++) {
        // (a, b, c, d) → (a+b, a−b, c+d, c−d) → the radix-4 butterfly.
        __m256d w = _mm256_loadu_pd(x + 4 * r);
        if (before) w = MUL(w, _mm256_loadu_pd(before + 4 * r));
        __m256d swapped = _mm256_permute_pd(w, 0x5);  // b, a, d, c
        __m256d first = _mm256_blend_pd(ADD(w, swapped), SUB(swapped, w), 0xA);  // a+b, a−b, c+d, c−d
        __m256d halves = _mm256_permute2f128_pd(first, first, 0x01);  // c+d, c−d, a+b, a−b
        v[r] = _mm256_blend_pd(ADD(first, halves), SUB(halves, first), 0xC);
    }
    __m256d y0 = ADD(v[0], v[1]), y1 = SUB(v[0], v[1]), y2 = ADD(v[2], v[3]), y3 = SUB(v[2], v[3]);
    __m256d z[4] = {ADD(y0, y2), ADD(y1, y3), SUB(y0, y2), SUB(y1, y3)};
    for (int r = 0; r < 4; r++) fwhtStore(x + 4 * r, z[r], scale, after ? after + 4 * r : 0, last);
}

/// `stages` (1, 2 or 3) consecutive stages h, 2h, 4h on the vector, in one pass: per column j of a block, the
/// 2^stages values j, j + h, j + 2h, … stay in registers through all of them.
KVLAB_AVX2 __attribute__((always_inline)) static inline void fwhtStages(double *x, long n, long h, const int stages,
                                                                         __m256d scale, const double *after, int last) {
    const int width = 1 << stages;
    for (long block = 0; block < n; block += width * h) {
        for (long j = block; j < block + h; j += 4) {
            __m256d v[8];
            for (int k = 0; k < width; k++) v[k] = _mm256_loadu_pd(x + j + k * h);
            butterflies(v, width);
            for (int k = 0; k < width; k++) fwhtStore(x + j + k * h, v[k], scale, after ? after + j + k * h : 0, last);
        }
    }
}

KVLAB_AVX2 void kvlab_avx2_fwht(double *x, long n, const double *before, const double *after) {
    // The textbook stages h = 1, 2, 4, … in order, several per pass over the vector (each value of a stage is
    // the same sum or difference of the same two values): stages 1–8 on each 16 values, then the rest three
    // at a time (two when two or four are left, one when one is left). The first pass multiplies each value
    // by its sign before its first stage; the last pass applies 1/√n to each value right after computing it
    // and then its sign (the same roundings as separate passes).
    const __m256d scale = _mm256_set1_pd(1 / __builtin_sqrt((double)n));
    for (long i = 0; i < n; i += 16) {
        fwhtSixteen(x + i, before ? before + i : 0, after ? after + i : 0, scale, n == 16);
    }
    long h = 16;
    while (h < n) {
        long left = 0;
        for (long g = h; g < n; g *= 2) left++;
        int stages = left >= 3 && left != 4 ? 3 : left >= 2 ? 2 : 1;
        int last = h << stages == n;
        if (stages == 3) fwhtStages(x, n, h, 3, scale, after, last);
        else if (stages == 2) fwhtStages(x, n, h, 2, scale, after, last);
        else fwhtStages(x, n, h, 1, scale, after, last);
        h <<= stages;
    }
}

#else

// Other CPUs never select the AVX2 path (kvlab_kernels_avx2_supported() is 0), so these are never called.
void kvlab_avx2_dots(const double *q, long qCount, const double *k, long kCount, long n, double scale,
                     double *out, long outStride) {
    __builtin_trap();
}
void kvlab_avx2_accumulate(const double *a, const double *x, long rowStride, long count, double *y, long n,
                           int positiveOnly) {
    __builtin_trap();
}
void kvlab_avx2_transpose_times(const double *m, long rows, long cols, const double *x, double *y,
                                long count) {
    __builtin_trap();
}
void kvlab_avx2_fwht(double *x, long n, const double *before, const double *after) { __builtin_trap(); }
void kvlab_avx2_codebook_quantize(const double *x, long count, const double *thresholds, long cuts,
                                  const double *centroids, double *out) {
    __builtin_trap();
}
void kvlab_avx2_outputs(const double *p, long qCount, long n, const double *v, long d, double *out) {
    __builtin_trap();
}

#endif
