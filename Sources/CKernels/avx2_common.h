// Shared by the AVX2 Double kernel files (kernels_avx2.c, rows_avx2.c): the target attribute, the lane
// operations and the FWHT butterflies. Included only inside `#if defined(__x86_64__)`.

#ifndef KVLAB_AVX2_COMMON_H
#define KVLAB_AVX2_COMMON_H

#include <immintrin.h>

#define KVLAB_AVX2 __attribute__((target("avx2")))
#define ADD(a, b) _mm256_add_pd(a, b)
#define SUB(a, b) _mm256_sub_pd(a, b)
#define MUL(a, b) _mm256_mul_pd(a, b)

/// The butterflies of `stages` consecutive stages on `width` = 2^stages registers (stage span 1, 2, 4 in
/// register index), in the textbook order.
KVLAB_AVX2 __attribute__((always_inline)) static inline void butterflies(__m256d *v, const int width) {
    for (int span = 1; span < width; span *= 2) {
        for (int k = 0; k < width; k += 2 * span) {
            for (int i = k; i < k + span; i++) {
                __m256d a = v[i], b = v[i + span];
                v[i] = ADD(a, b);
                v[i + span] = SUB(a, b);
            }
        }
    }
}

#endif
