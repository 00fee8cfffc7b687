#ifndef KVLAB_KERNELS_H
#define KVLAB_KERNELS_H

// The AVX2 bodies of kvlab's hot Double kernels (Sources/Quantization/Kernels.swift describes the
// operations; each function here performs exactly the same IEEE operations in the same order per
// output, so it gives the same bits as the baseline Swift body). Compiled without FMA contraction.

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU runs AVX2 code, else 0.
int kvlab_kernels_avx2_supported(void);

/// 1 when the AVX2 bodies are in use, else 0 (the default: AVX2 where the CPU has it).
int kvlab_kernels_avx2_active(void);

/// Chooses the bodies: 1 = AVX2 (only where supported), 0 = baseline.
void kvlab_kernels_set_avx2_active(int active);

/// out[i·outStride + j] = scale · dot(q_i, k_j) for i < qCount, j < kCount, each dot of n values with
/// four lane sums combined as (s0 + s1) + (s2 + s3). q_i at q + i·n, k_j at k + j·n.
/// Requires kCount % 4 == 0 and n % 4 == 0.
void kvlab_avx2_dots(const double *q, long qCount, const double *k, long kCount, long n, double scale,
                     double *out, long outStride);

/// y[c] ← y[c] + Σ_k a[k]·x[k·rowStride + c] for c < n, added in order k = 0, 1, …; with positiveOnly,
/// the terms whose a[k] is not > 0 are skipped.
void kvlab_avx2_accumulate(const double *a, const double *x, long rowStride, long count, double *y, long n,
                           int positiveOnly);

/// out[i·d + c] ← out[i·d + c] + Σ_j p[i·n + j]·v[j·d + c] for queries i < qCount and c < d: the attention outputs
/// P·V (Attention.outputs), each output adding its terms in order j = 0, 1, …, n − 1 and skipping those whose p is
/// not > 0, as one kvlab_avx2_accumulate over all n value rows would.
void kvlab_avx2_outputs(const double *p, long qCount, long n, const double *v, long d, double *out);

/// y_t = Σ_i x_t[i]·M_i (rows i = 0, 1, … in order, from +0) for `count` vectors x_t (at x + t·rows, into
/// y + t·cols) and a row-major rows × cols matrix M: Kernels.matTVec.
void kvlab_avx2_transpose_times(const double *m, long rows, long cols, const double *x, double *y, long count);

/// Box–Muller on `pairs` pairs of uniforms u = (u1, u2, u1, u2, …) in (0, 1) (as RandomStream.uniform
/// draws them): out = (r·cos 2πu2, r·sin 2πu2, …) with r = √(−2 log u1), kvlab's own log and sin/cos of
/// 2πu. out may equal u.
void kvlab_avx2_box_muller(const double *u, long pairs, double *out);

/// out[i] = exp(factor · x[i]) for i < n, kvlab's own exp. out may equal x.
void kvlab_avx2_exp(const double *x, long n, double factor, double *out);

/// Σ exp(x[i] − shift) over i < n, summed in order from 0.
double kvlab_avx2_sum_exp(const double *x, long n, double shift);

/// The per-token sums of one query's attention metrics over its n visible tokens, as QueryMetrics adds
/// them (Sources/Quantization/TrialMetrics.swift): sums = (kl, klReverse, js, tv, Σ(√p − √p̂)², entropy,
/// quantEntropy, bias, Σ p·δ²), from the logits s, qs, the log-probabilities lp, lq, the probabilities
/// pRef, pQuant and √pRef.
void kvlab_avx2_query_terms(const double *s, const double *lp, const double *qs, const double *lq,
                            const double *pRef, const double *pQuant, const double *rootRef, long n,
                            double *sums);

/// Per row r < rows of x and y (d values each): out[5r…5r+4] = (‖x_r‖, ‖y_r‖, Σ(x/‖x‖ − y/‖y‖)²,
/// Σ(x/‖x‖ + y/‖y‖)², Σ(x − y)²), with the norms of Kernels.norm and the sums of Geometry.angle and
/// Geometry.relativeErrors (in index order). The two unit sums are meaningless where a norm is 0.
void kvlab_avx2_row_geometry(const double *x, const double *y, long rows, long d, double *out);

/// out[i] = centroids[the number of thresholds ≤ x[i]] for i < count (the cell of Codebook.encodeBySearch: `cuts`
/// sorted thresholds, cuts + 1 centroids; NaN goes to cell 0). out may equal x.
void kvlab_avx2_codebook_quantize(const double *x, long count, const double *thresholds, long cuts,
                                  const double *centroids, double *out);

/// The normalised fast Walsh–Hadamard transform of n values (a power of two, ≥ 16), Kernels.fwht: its stages in
/// order, two or three per pass over the vector. With `before` (n signs ±1, or NULL), each x[i] is first
/// multiplied by before[i]; with `after`, each result is then multiplied by after[i] (Rotation's sign rounds).
void kvlab_avx2_fwht(double *x, long n, const double *before, const double *after);

/// A Hadamard rotation (Rotation.apply) of four rows of n values at once (rows at x, x + stride, x + 2·stride,
/// x + 3·stride; n a power of two ≥ 16), one row per lane: `rounds` ≥ 1 rounds with the sign vectors at
/// signs + r·n. Forward (inverse = 0): round r = 0, 1, … is x ← H(D_r x); inverse: r = rounds − 1, …, 0, each
/// x ← D_r (H x). Each row gets exactly the bits of kvlab_avx2_fwht round by round. work: 4·n + 4 values.
void kvlab_avx2_hadamard_rows4(double *x, long stride, long n, const double *signs, long rounds, int inverse,
                               double *work);

/// Y = X·Wᵀ for tokens tokenStart ..< tokenEnd and outputs outputStart ..< outputEnd:
/// y[t·yStride + o] = FloatKernels.dot(x + t·xStride, w + o·wStride, inputs) (Float32, its four-lane order).
void kvlab_avx2_matmul_block(const float *x, long xStride, const float *w, long wStride, float *y, long yStride,
                             long inputs, long tokenStart, long tokenEnd, long outputStart, long outputEnd);

// The baseline x86-64 bodies (elementary_baseline.c, kernels_baseline.c): the functions of the same names with kvlab_avx2_
// replaced by kvlab_base_, the same operations in the same order, compiled for baseline x86-64 (SSE2). Only on
// x86-64 (elsewhere the Swift bodies run and these trap).
void kvlab_base_box_muller(const double *u, long pairs, double *out);
void kvlab_base_exp(const double *x, long n, double factor, double *out);
double kvlab_base_sum_exp(const double *x, long n, double shift);
void kvlab_base_query_terms(const double *s, const double *lp, const double *qs, const double *lq,
                            const double *pRef, const double *pQuant, const double *rootRef, long n, double *sums);
void kvlab_base_row_geometry(const double *x, const double *y, long rows, long d, double *out);
void kvlab_base_transpose_times(const double *m, long rows, long cols, const double *x, double *y, long count);

#ifdef __cplusplus
}
#endif

#endif
