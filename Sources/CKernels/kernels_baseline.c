// The baseline x86-64 bodies of kvlab's matrix products (SSE2, two doubles per register). Every output is
// computed with exactly the IEEE operations, in exactly the order, of the Swift body it replaces
// (Sources/Quantization/Kernels.swift); register blocking only changes how many outputs are computed at once.
// KernelPathTests compare each function with the Swift body bit for bit.

#include "kvlab_kernels.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__)

#include <emmintrin.h>

/// The 8-column strip at column c of one vector's sums (rows in order from +0), and of a second vector's when
/// x1 is not NULL: each row of M is loaded once for both.
__attribute__((always_inline)) static inline void strip8(const double *m, long rows, long cols, long c,
                                                        const double *x0, const double *x1, double *y0,
                                                        double *y1) {
    __m128d a0 = _mm_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    __m128d b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    const double *row = m + c;
    if (x1) {
        for (long i = 0; i < rows; i++, row += cols) {
            __m128d s0 = _mm_set1_pd(x0[i]), s1 = _mm_set1_pd(x1[i]);
            __m128d r0 = _mm_loadu_pd(row), r1 = _mm_loadu_pd(row + 2);
            __m128d r2 = _mm_loadu_pd(row + 4), r3 = _mm_loadu_pd(row + 6);
            a0 = _mm_add_pd(a0, _mm_mul_pd(s0, r0));
            a1 = _mm_add_pd(a1, _mm_mul_pd(s0, r1));
            a2 = _mm_add_pd(a2, _mm_mul_pd(s0, r2));
            a3 = _mm_add_pd(a3, _mm_mul_pd(s0, r3));
            b0 = _mm_add_pd(b0, _mm_mul_pd(s1, r0));
            b1 = _mm_add_pd(b1, _mm_mul_pd(s1, r1));
            b2 = _mm_add_pd(b2, _mm_mul_pd(s1, r2));
            b3 = _mm_add_pd(b3, _mm_mul_pd(s1, r3));
        }
        _mm_storeu_pd(y1 + c, b0);
        _mm_storeu_pd(y1 + c + 2, b1);
        _mm_storeu_pd(y1 + c + 4, b2);
        _mm_storeu_pd(y1 + c + 6, b3);
    } else {
        for (long i = 0; i < rows; i++, row += cols) {
            __m128d s0 = _mm_set1_pd(x0[i]);
            a0 = _mm_add_pd(a0, _mm_mul_pd(s0, _mm_loadu_pd(row)));
            a1 = _mm_add_pd(a1, _mm_mul_pd(s0, _mm_loadu_pd(row + 2)));
            a2 = _mm_add_pd(a2, _mm_mul_pd(s0, _mm_loadu_pd(row + 4)));
            a3 = _mm_add_pd(a3, _mm_mul_pd(s0, _mm_loadu_pd(row + 6)));
        }
    }
    _mm_storeu_pd(y0 + c, a0);
    _mm_storeu_pd(y0 + c + 2, a1);
    _mm_storeu_pd(y0 + c + 4, a2);
    _mm_storeu_pd(y0 + c + 6, a3);
}

void kvlab_base_transpose_times(const double *m, long rows, long cols, const double *x, double *y, long count) {
    long c = 0;
    // 8-column strips (8·rows values, which stay in cache) serve every vector, two vectors per pass.
    for (; c + 8 <= cols; c += 8) {
        long t = 0;
        for (; t + 2 <= count; t += 2) {
            strip8(m, rows, cols, c, x + t * rows, x + (t + 1) * rows, y + t * cols, y + (t + 1) * cols);
        }
        if (t < count) strip8(m, rows, cols, c, x + t * rows, 0, y + t * cols, 0);
    }
    // The last columns one at a time.
    for (; c < cols; c++) {
        for (long t = 0; t < count; t++) {
            const double *xt = x + t * rows;
            double sum = 0;
            for (long i = 0; i < rows; i++) sum += xt[i] * m[i * cols + c];
            y[t * cols + c] = sum;
        }
    }
}

#else

// Other CPUs run the Swift bodies (KernelPath.usesBaselineC is false there), so this is never called.
void kvlab_base_transpose_times(const double *m, long rows, long cols, const double *x, double *y, long count) {
    __builtin_trap();
}

#endif
