// The AVX2 body of the Float32 matrix product of the forward pass (Sources/Quantization/FloatKernels.swift,
// FloatKernels.matmul): every output is the dot product of FloatKernels.dot in its four-lane order (lane k sums
// the products at indices ≡ k mod 4 from zero, the tail products of a length that is not a multiple of four go
// to lanes 0, 1, 2, and the result is (s0 + s1) + (s2 + s3)). A 256-bit register holds the four lanes of two
// outputs, so each multiply and add serves two dot products; no FMA, no contraction, no reassociation, so
// every output has the bits of the baseline body. KernelPathTests compare the two bit for bit.

#include "kvlab_kernels.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__)

#include <immintrin.h>

#define KVLAB_AVX2 __attribute__((target("avx2")))

/// The combine of FloatKernels.Vector.finish: the tail products of indices i…n − 1 (fewer than four) into
/// lanes 0, 1, 2, then (s0 + s1) + (s2 + s3).
static inline float finish(const float lanes[4], const float *a, const float *b, long i, long n) {
    float s0 = lanes[0], s1 = lanes[1], s2 = lanes[2];
    if (i < n) s0 += a[i] * b[i];
    if (i + 1 < n) s1 += a[i + 1] * b[i + 1];
    if (i + 2 < n) s2 += a[i + 2] * b[i + 2];
    return (s0 + s1) + (s2 + lanes[3]);
}

/// Rows r and r + 1 of W at column i, in the low and high halves.
KVLAB_AVX2 static inline __m256 pair(const float *w, long wStride, long i) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(w + i)), _mm_loadu_ps(w + wStride + i), 1);
}

/// y[t][o…o+3] for `tokens` (1…6) tokens from x (rows xStride apart) and four rows of W: two registers of
/// W (outputs o, o + 1 and o + 2, o + 3) serve every token, twelve sums in registers at most.
KVLAB_AVX2 __attribute__((always_inline)) static inline void tile(const float *x, long xStride, const float *w,
                                                                   long wStride, float *y, long yStride, long n,
                                                                   const int tokens) {
    __m256 low[6], high[6];
    for (int t = 0; t < tokens; t++) {
        low[t] = _mm256_setzero_ps();
        high[t] = _mm256_setzero_ps();
    }
    const float *w2 = w + 2 * wStride;
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256 wLow = pair(w, wStride, i);
        __m256 wHigh = pair(w2, wStride, i);
        for (int t = 0; t < tokens; t++) {
            __m256 v = _mm256_broadcast_ps((const __m128 *)(x + t * xStride + i));
            low[t] = _mm256_add_ps(low[t], _mm256_mul_ps(v, wLow));
            high[t] = _mm256_add_ps(high[t], _mm256_mul_ps(v, wHigh));
        }
    }
    for (int t = 0; t < tokens; t++) {
        float lanes[16];
        _mm256_storeu_ps(lanes, low[t]);
        _mm256_storeu_ps(lanes + 8, high[t]);
        const float *xt = x + t * xStride;
        float *yt = y + t * yStride;
        for (int k = 0; k < 4; k++) yt[k] = finish(lanes + 4 * k, xt, w + k * wStride, i, n);
    }
}

/// FloatKernels.dot.
static inline float dot(const float *a, const float *b, long n) {
    float lanes[4] = {0, 0, 0, 0};
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) lanes[k] += a[i + k] * b[i + k];
    }
    return finish(lanes, a, b, i, n);
}

KVLAB_AVX2 void kvlab_avx2_matmul_block(const float *x, long xStride, const float *w, long wStride, float *y,
                                        long yStride, long inputs, long tokenStart, long tokenEnd, long outputStart,
                                        long outputEnd) {
    long o = outputStart;
    for (; o + 4 <= outputEnd; o += 4) {
        const float *wo = w + o * wStride;
        long t = tokenStart;
        for (; t + 6 <= tokenEnd; t += 6) tile(x + t * xStride, xStride, wo, wStride, y + t * yStride + o, yStride, inputs, 6);
        const float *xt = x + t * xStride;
        float *yt = y + t * yStride + o;
        switch (tokenEnd - t) {
        case 5: tile(xt, xStride, wo, wStride, yt, yStride, inputs, 5); break;
        case 4: tile(xt, xStride, wo, wStride, yt, yStride, inputs, 4); break;
        case 3: tile(xt, xStride, wo, wStride, yt, yStride, inputs, 3); break;
        case 2: tile(xt, xStride, wo, wStride, yt, yStride, inputs, 2); break;
        case 1: tile(xt, xStride, wo, wStride, yt, yStride, inputs, 1); break;
        default: break;
        }
    }
    for (; o < outputEnd; o++) {
        for (long t = tokenStart; t < tokenEnd; t++) y[t * yStride + o] = dot(x + t * xStride, w + o * wStride, inputs);
    }
}

#else

// Other CPUs never select the AVX2 path (kvlab_kernels_avx2_supported() is 0), so this is never called.
void kvlab_avx2_matmul_block(const float *x, long xStride, const float *w, long wStride, float *y, long yStride,
                             long inputs, long tokenStart, long tokenEnd, long outputStart, long outputEnd) {
    __builtin_trap();
}

#endif
