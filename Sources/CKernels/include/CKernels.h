// The training engine's elementwise kernels (GELU, SiLU, softmax, LayerNorm, dropout, AdamW's
// update) and LoRA's row work, in C so that the compiler vectorises them and each has an AVX2 +
// FMA and an AVX-512 build chosen at run time (the baseline x86-64 or arm64 build runs everywhere
// else); and the linear layers' three matrix products as an AVX-512 kernel (gemm.c), which the
// engine uses only where the CPU has AVX-512. The Swift side (Sources/Training) splits the work
// across threads.
#ifndef DNATUNE_CKERNELS_H
#define DNATUNE_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets the kernels can use.
typedef enum {
    /// The compiler's baseline for the target (SSE2 on x86-64, NEON on arm64).
    DNT_ISA_BASELINE = 0,
    /// AVX2 with fused multiply-add (x86-64 CPUs since 2013).
    DNT_ISA_AVX2_FMA = 1,
    /// AVX-512 (F, VL, BW, DQ) with AVX2 and FMA: 16-float vectors and 32 vector registers
    /// (Intel since Skylake-SP, AMD since Zen 4).
    DNT_ISA_AVX512 = 2,
} dnt_isa;

/// The instruction set the kernels use: the best this CPU supports.
dnt_isa dnt_kernels_isa(void);

/// A spin-wait hint (`pause` on x86-64): tells the core a thread is busy-waiting, so that it
/// draws less power and leaves more of a shared core to its sibling thread.
static inline void dnt_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// Each kernel `dnt_NAME(...)` runs on `dnt_kernels_isa()`; `dnt_NAME_isa(isa, ...)` runs the
// build for `isa` instead (the baseline when this CPU lacks `isa`), so tests can compare them.

/// `out = x/2 · (1 + erf(x/√2))`, the exact GELU, for `count` floats. With `derivative` (may be
/// NULL) also writes `GELU'(x) = Φ(x) + x·φ(x)` there. `out` and `derivative` may each alias `inp`
/// but not each other.
void dnt_gelu_forward(float *out, float *derivative, const float *inp, long count);
void dnt_gelu_forward_isa(dnt_isa isa, float *out, float *derivative, const float *inp, long count);

/// `dinp = dout · GELU'(x)` with `x = inp`, recomputing the derivative; `dinp` may alias `dout` or `inp`.
void dnt_gelu_backward(float *dinp, const float *inp, const float *dout, long count);
void dnt_gelu_backward_isa(dnt_isa isa, float *dinp, const float *inp, const float *dout, long count);

/// `out = x·σ(x)`, SiLU (Swish) with `σ(x) = 1/(1 + e^-x)`, for `count` floats. With `derivative`
/// (may be NULL) also writes `SiLU'(x) = σ(x)·(1 + x·(1 - σ(x)))` there. `out` and `derivative` may
/// each alias `inp` but not each other.
void dnt_silu_forward(float *out, float *derivative, const float *inp, long count);
void dnt_silu_forward_isa(dnt_isa isa, float *out, float *derivative, const float *inp, long count);

/// `dinp = dout · SiLU'(x)` with `x = inp`, recomputing the derivative; `dinp` may alias `dout` or `inp`.
void dnt_silu_backward(float *dinp, const float *inp, const float *dout, long count);
void dnt_silu_backward_isa(dnt_isa isa, float *dinp, const float *inp, const float *dout, long count);

/// In-place softmax of one row of `count` scores over the keys whose `valid` is nonzero;
/// the others get exactly 0. A row with no valid key becomes all 0.
void dnt_softmax_row(float *row, const float *valid, long count);
void dnt_softmax_row_isa(dnt_isa isa, float *row, const float *valid, long count);

/// The backward pass of a softmax row (after dropout with a stored `dropped` row, when not
/// NULL): where `dropped` is 0 the gradient is 0, elsewhere `drow` is scaled by `keep` = 1/(1-p);
/// then `drow = p · (drow - Σ drow·p)` with `p = prow`, the softmax output.
void dnt_softmax_backward_row(float *drow, const float *prow, const float *dropped, float keep, long count);
void dnt_softmax_backward_row_isa(dnt_isa isa, float *drow, const float *prow, const float *dropped, float keep, long count);

/// Layer normalisation of `rows` rows of `width`: `out = (inp - mean)·rstd·weight + bias` with the
/// biased variance, as PyTorch; writes each row's `mean` and `rstd = 1/sqrt(var + eps)`.
void dnt_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                           const float *bias, long rows, long width, float eps);
void dnt_layernorm_forward_isa(dnt_isa isa, float *out, float *mean, float *rstd, const float *inp, const float *weight,
                               const float *bias, long rows, long width, float eps);

/// The input gradient of `dnt_layernorm_forward` for `rows` rows; `dinp` may alias `dout`.
void dnt_layernorm_backward(float *dinp, const float *dout, const float *inp, const float *weight,
                            const float *mean, const float *rstd, long rows, long width);
void dnt_layernorm_backward_isa(dnt_isa isa, float *dinp, const float *dout, const float *inp, const float *weight,
                                const float *mean, const float *rstd, long rows, long width);

/// Adds the weight and bias gradients of `dnt_layernorm_forward` (either may be NULL) for the
/// columns `first..<end`, summing the rows in order (so a split by columns changes nothing).
void dnt_layernorm_param_grads(float *dweight, float *dbias, const float *dout, const float *inp,
                               const float *mean, const float *rstd, long rows, long width, long first, long end);
void dnt_layernorm_param_grads_isa(dnt_isa isa, float *dweight, float *dbias, const float *dout, const float *inp,
                                   const float *mean, const float *rstd, long rows, long width, long first, long end);

/// `count` uniform floats in [0, 1) (23 random bits each) from the generator of `dnt_dropout`,
/// eight per step (a last partial step still consumes a whole one).
void dnt_uniform(uint32_t *state, float *out, long count);
void dnt_uniform_isa(dnt_isa isa, uint32_t *state, float *out, long count);

/// Dropout from a generator of eight xoshiro128+ streams whose state is `state[32]` (s0..s3, eight
/// lanes each; advanced in place): `out[i] = x[i]/(1-p)` where kept (probability 1-p), 0 where
/// dropped. With `x` NULL it writes the mask itself (`1/(1-p)` or 0). Each step of the generator
/// gives eight elements; a last partial step still consumes a whole one. `out` may alias `x`.
void dnt_dropout(uint32_t *state, float *out, const float *x, long count, float p);
void dnt_dropout_isa(dnt_isa isa, uint32_t *state, float *out, const float *x, long count, float p);

/// LoRA's forward work for `rows` rows of one adapted linear layer, `A` `[r, in]`, `B` `[out, r]`
/// given transposed as `bt` `[r, outFeatures]`. With a generator `state` (as `dnt_dropout`'s; NULL:
/// no dropout) each row's input is first dropped as `dnt_dropout` would, drawing the rows' masks
/// one after the other, into `scratch` (`2 · in` floats, reused row after row: nothing is kept for
/// the backward pass, which draws the masks again); then `u = x·Aᵀ` (`[rows, r]`) and
/// `out += scaling · u·Bᵀ`. Row strides: `ldx` for `x`, `ldout` for `out`.
void dnt_lora_forward(const float *x, long ldx, long rows, long in, uint32_t *state, float p, float *scratch,
                      const float *a, const float *bt, long r, float scaling, float *u, float *out, long ldout,
                      long outFeatures);
void dnt_lora_forward_isa(dnt_isa isa, const float *x, long ldx, long rows, long in, uint32_t *state, float p,
                          float *scratch, const float *a, const float *bt, long r, float scaling, float *u,
                          float *out, long ldout, long outFeatures);

/// LoRA's backward work for a block of `rows` rows: `du = scaling · dout·B` (`[rows, r]`), the
/// block's `dBᵀ = scaling · uᵀ·dout` (`dbt`, `[r, outFeatures]`) and `dA = duᵀ·xd` (`da`, `[r, in]`),
/// both overwritten so the caller can add the blocks in a fixed order; and, when `dinp` is not
/// NULL, `dinp += (du·A) ⊙ mask`. `x` is the adapter's input (row stride `ldx`). With a generator
/// `state` in the state the forward pass started these rows from, the masks and the dropped input
/// `xd` are drawn again, exactly as the forward's, into `scratch` (`2 · rows · in` floats); with
/// `state` NULL there is no dropout (mask 1, xd = x) and `scratch` is unused.
void dnt_lora_backward(const float *dout, long ldout, long rows, long outFeatures, const float *bt, long r,
                       float scaling, const float *u, const float *x, long ldx, long in, const float *a,
                       uint32_t *state, float p, float *scratch, float *dinp, long ldinp, float *du, float *dbt,
                       float *da);
void dnt_lora_backward_isa(dnt_isa isa, const float *dout, long ldout, long rows, long outFeatures, const float *bt,
                           long r, float scaling, const float *u, const float *x, long ldx, long in, const float *a,
                           uint32_t *state, float p, float *scratch, float *dinp, long ldinp, float *du, float *dbt,
                           float *da);

/// `e^x` for `count` floats (relative error about 1e-7; below -87.3 gives about 1e-38, not 0).
void dnt_exp(float *out, const float *inp, long count);
void dnt_exp_isa(dnt_isa isa, float *out, const float *inp, long count);

/// `erf(x)` for `count` floats (absolute error below 2e-6; ±1 beyond ±4).
void dnt_erf(float *out, const float *inp, long count);
void dnt_erf_isa(dnt_isa isa, float *out, const float *inp, long count);

/// The per-step constants of one AdamW update (see `dnt_adamw`).
typedef struct {
    /// `1 - lr·weight_decay`: what a decayed parameter is multiplied by.
    float decay;
    /// `1 - β1`.
    float one_minus_beta1;
    /// `β2`.
    float beta2;
    /// `1 - β2`.
    float one_minus_beta2;
    /// `sqrt(1 - β2^t)`, the second moment's bias correction.
    float bias2_sqrt;
    /// `ε`, added to the corrected `sqrt(v)`.
    float epsilon;
    /// `-lr / (1 - β1^t)`.
    float negative_step_size;
    /// What each gradient is multiplied by as it is read (gradient clipping's factor).
    float gradient_scale;
} dnt_adamw_constants;

/// One AdamW update of `count` elements, as `torch.optim.AdamW`, in this order of Float operations
/// and without fused multiply-adds: `g ← g·gradient_scale`; `p ← p·decay` (only when `decays` is
/// nonzero); `m ← m + (1-β1)·(g - m)`; `v ← v·β2 + (1-β2)·(g·g)`;
/// `p ← p + negative_step_size · (m / (sqrt(v)/bias2_sqrt + ε))`, with a correctly rounded square
/// root, so every element gets the same bits whether it falls in a vector or the scalar tail.
/// The four arrays must not overlap.
void dnt_adamw(float *params, const float *gradients, float *first_moment, float *second_moment, long count,
               int decays, const dnt_adamw_constants *constants);
void dnt_adamw_isa(dnt_isa isa, float *params, const float *gradients, float *first_moment, float *second_moment,
                   long count, int decays, const dnt_adamw_constants *constants);

/// Whether `dnt_gemm_xwt`, `dnt_gemm_xw` and `dnt_gemm_xtw` run their AVX-512 kernel on this CPU (elsewhere they
/// compute the same products with plain loops, slowly: callers use OpenBLAS there).
int dnt_gemm_available(void);

/// A linear layer's forward product for the outputs `n0..<n1`: `out[r, n] = Σ_i x[r, i]·w[n, i]`
/// (`X·Wᵀ`, the weight `[outputs, k]` as `nn.Linear` stores it) for `rows` rows, plus `bias[n]`
/// when `bias` is not NULL, plus the old `out[r, n]` when `accumulate` is nonzero. Row strides:
/// `ldx`, `ldw`, `ldout`. Each output's sum runs over `i` in the same order whatever `n0..<n1`, so
/// threads that split the outputs between them get the bits one thread would. Uses a per-thread
/// scratch buffer of 1.8 MB, made on the thread's first call.
void dnt_gemm_xwt(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, const float *bias,
                  long rows, long k, long n0, long n1, int accumulate);

/// A linear layer's input-gradient product for the columns `n0..<n1`: `out[r, n] = Σ_i x[r, i]·w[i, n]`
/// (`dY·W`, the weight `[k, columns]`), plus the old `out[r, n]` when `accumulate` is nonzero; as
/// `dnt_gemm_xwt` otherwise.
void dnt_gemm_xw(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, long rows, long k,
                 long n0, long n1, int accumulate);

/// A linear layer's weight-gradient product for the columns `n0..<n1`: `out[r, n] = Σ_i x[i, r]·w[i, n]`
/// (`dYᵀ·X`: `x` is `[k, rows]`, `w` is `[k, columns]`), plus the old `out[r, n]` when `accumulate`
/// is nonzero; as `dnt_gemm_xwt` otherwise.
void dnt_gemm_xtw(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, long rows, long k,
                  long n0, long n1, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
