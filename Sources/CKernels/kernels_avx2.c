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

#include <immintrin.h>

#define KVLAB_AVX2 __attribute__((target("avx2")))
#define ADD(a, b) _mm256_add_pd(a, b)
#define SUB(a, b) _mm256_sub_pd(a, b)
#define MUL(a, b) _mm256_mul_pd(a, b)

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

KVLAB_AVX2 void kvlab_avx2_transpose_times(const double *m, long rows, long cols, const double *x, double *y,
                                           long count) {
    // Strips of 16 columns (16 KB of M at 128 rows) serve every vector before the next strip; two vectors
    // per pass keep eight sums in registers, so the adds' latency is covered.
    long c = 0;
    for (; c + 16 <= cols; c += 16) {
        long t = 0;
        for (; t + 2 <= count; t += 2) {
            const double *x0 = x + t * rows;
            const double *x1 = x0 + rows;
            __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd();
            __m256d a3 = _mm256_setzero_pd(), b0 = _mm256_setzero_pd(), b1 = _mm256_setzero_pd();
            __m256d b2 = _mm256_setzero_pd(), b3 = _mm256_setzero_pd();
            const double *row = m + c;
            for (long i = 0; i < rows; i++, row += cols) {
                __m256d m0 = _mm256_loadu_pd(row), m1 = _mm256_loadu_pd(row + 4);
                __m256d m2 = _mm256_loadu_pd(row + 8), m3 = _mm256_loadu_pd(row + 12);
                __m256d u = _mm256_set1_pd(x0[i]);
                __m256d v = _mm256_set1_pd(x1[i]);
                a0 = ADD(a0, MUL(u, m0));
                a1 = ADD(a1, MUL(u, m1));
                a2 = ADD(a2, MUL(u, m2));
                a3 = ADD(a3, MUL(u, m3));
                b0 = ADD(b0, MUL(v, m0));
                b1 = ADD(b1, MUL(v, m1));
                b2 = ADD(b2, MUL(v, m2));
                b3 = ADD(b3, MUL(v, m3));
            }
            double *y0 = y + t * cols + c;
            double *y1 = y0 + cols;
            _mm256_storeu_pd(y0, a0);
            _mm256_storeu_pd(y0 + 4, a1);
            _mm256_storeu_pd(y0 + 8, a2);
            _mm256_storeu_pd(y0 + 12, a3);
            _mm256_storeu_pd(y1, b0);
            _mm256_storeu_pd(y1 + 4, b1);
            _mm256_storeu_pd(y1 + 8, b2);
            _mm256_storeu_pd(y1 + 12, b3);
        }
        for (; t < count; t++) {
            for (long j = 0; j < 16; j++) y[t * cols + c + j] = 0;
            kvlab_avx2_accumulate(x + t * rows, m + c, cols, rows, y + t * cols + c, 16, 0);
        }
    }
    if (c < cols) {
        for (long t = 0; t < count; t++) {
            for (long j = c; j < cols; j++) y[t * cols + j] = 0;
            kvlab_avx2_accumulate(x + t * rows, m + c, cols, rows, y + t * cols + c, cols - c, 0);
        }
    }
}

// MARK: FWHT

KVLAB_AVX2 void kvlab_avx2_fwht(double *x, long n) {
    const __m256d scale = _mm256_set1_pd(1 / __builtin_sqrt((double)n));
    // Stages 1 and 2 on each group of four: (a, b, c, d) → (a+b, a−b, c+d, c−d) → the radix-4 butterfly.
    for (long i = 0; i < n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i);
        __m256d swapped = _mm256_permute_pd(v, 0x5);  // b, a, d, c
        __m256d first = _mm256_blend_pd(ADD(v, swapped), SUB(swapped, v), 0xA);  // a+b, a−b, c+d, c−d
        __m256d halves = _mm256_permute2f128_pd(first, first, 0x01);  // c+d, c−d, a+b, a−b
        _mm256_storeu_pd(x + i, _mm256_blend_pd(ADD(first, halves), SUB(halves, first), 0xC));
    }
    long h = 4;
    for (; 4 * h <= n; h *= 4) {
        int last = 4 * h == n;
        for (long block = 0; block < n; block += 4 * h) {
            for (long j = block; j < block + h; j += 4) {
                __m256d x0 = _mm256_loadu_pd(x + j);
                __m256d x1 = _mm256_loadu_pd(x + j + h);
                __m256d x2 = _mm256_loadu_pd(x + j + 2 * h);
                __m256d x3 = _mm256_loadu_pd(x + j + 3 * h);
                __m256d y0 = ADD(x0, x1), y1 = SUB(x0, x1), y2 = ADD(x2, x3), y3 = SUB(x2, x3);
                __m256d z0 = ADD(y0, y2), z1 = ADD(y1, y3), z2 = SUB(y0, y2), z3 = SUB(y1, y3);
                if (last) {
                    z0 = MUL(z0, scale);
                    z1 = MUL(z1, scale);
                    z2 = MUL(z2, scale);
                    z3 = MUL(z3, scale);
                }
                _mm256_storeu_pd(x + j, z0);
                _mm256_storeu_pd(x + j + h, z1);
                _mm256_storeu_pd(x + j + 2 * h, z2);
                _mm256_storeu_pd(x + j + 3 * h, z3);
            }
        }
    }
    if (2 * h == n) {
        for (long j = 0; j < h; j += 4) {
            __m256d a = _mm256_loadu_pd(x + j);
            __m256d b = _mm256_loadu_pd(x + j + h);
            _mm256_storeu_pd(x + j, MUL(ADD(a, b), scale));
            _mm256_storeu_pd(x + j + h, MUL(SUB(a, b), scale));
        }
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
void kvlab_avx2_fwht(double *x, long n) { __builtin_trap(); }

#endif
