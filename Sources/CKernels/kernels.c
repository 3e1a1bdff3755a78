// The training engine's elementwise and row kernels with run-time instruction-set dispatch; see
// include/CKernels.h.
//
// Each kernel's body is written once, as an always-inline function over plain float loops that
// the compiler vectorises (or over explicit vectors), and instantiated three times: for the
// baseline target and, on x86-64, with AVX2 + FMA and with AVX-512 enabled (LoRA's row work, over
// explicit vectors, has an 8-float and a 16-float copy: lora_rows.h). The polynomials are Cephes'
// expf (range reduction to [-ln2/2, ln2/2]) and Eigen's rational erf on [-4, 4], as Hugging
// Face's exact "gelu" needs erf itself, not tanh.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

#include "targets.h"

#define DNT_INLINE static inline __attribute__((always_inline))

// The 8-float vector helpers are always inlined, so the ABI of passing such vectors between
// functions built for different instruction sets never comes into play.
#pragma clang diagnostic ignored "-Wpsabi"

DNT_INLINE float clampf(float x, float lo, float hi) {
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

DNT_INLINE float exp_poly(float input) {
    const float magic = 12582912.0f;  // 1.5·2^23: adding and subtracting it rounds to an integer
    float x0 = clampf(input, -87.3f, 88.3f);
    float fx = (x0 * 1.44269504f + magic) - magic;
    float x = x0 - fx * 0.693359375f + fx * 2.12194440e-4f;
    float z = x * x;
    float y = 1.9875691500e-4f;
    y = y * x + 1.3981999507e-3f;
    y = y * x + 8.3334519073e-3f;
    y = y * x + 4.1665795894e-2f;
    y = y * x + 1.6666665459e-1f;
    y = y * x + 5.0000001201e-1f;
    y = y * z + x + 1.0f;
    // 2^n from the exponent bits: fx + 127 + magic holds n + 127 in its low mantissa bits.
    float biased = fx + (127.0f + magic);
    uint32_t bits;
    memcpy(&bits, &biased, sizeof bits);
    bits <<= 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

DNT_INLINE float erf_poly(float input) {
    float x = clampf(input, -4.0f, 4.0f);
    float x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    p = p * x;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return p / q;
}

DNT_INLINE float normal_cdf(float x) { return 0.5f * (1.0f + erf_poly(x * 0.70710678118654752f)); }
DNT_INLINE float normal_pdf(float x) { return exp_poly(-0.5f * x * x) * 0.39894228040143268f; }

// The activations of the feed-forward layers, each as `NAME_value(x)` and `NAME_both(x, &derivative)`
// (the value, and the derivative from the same intermediates); DNT_ACTIVATION(NAME) makes their
// forward and backward loops. The loops run in place (an output at the same address as its input)
// as well as on separate arrays: element i is read before element i is written, and nothing else
// overlaps, so the vectoriser may ignore the possible aliasing.

// GELU, exact (erf): x·Φ(x), its derivative Φ(x) + x·φ(x).
DNT_INLINE float gelu_value(float x) { return x * normal_cdf(x); }
DNT_INLINE float gelu_both(float x, float *derivative) {
    float cdf = normal_cdf(x), pdf = normal_pdf(x);
    *derivative = cdf + x * pdf;
    return x * cdf;
}

// SiLU, x·σ(x) with σ(x) = 1/(1 + e^-x), as the Nucleotide Transformer v2's SwiGLU applies it to
// the gate half; its derivative σ(x)·(1 + x·(1 - σ(x))).
DNT_INLINE float sigmoid_poly(float x) { return 1.0f / (1.0f + exp_poly(-x)); }
DNT_INLINE float silu_value(float x) { return x * sigmoid_poly(x); }
DNT_INLINE float silu_both(float x, float *derivative) {
    float s = sigmoid_poly(x);
    *derivative = s * (1.0f + x * (1.0f - s));
    return x * s;
}

#define DNT_ACTIVATION(name)                                                                          \
    DNT_INLINE void name##_forward_body(float *out, float *derivative, const float *inp, long count) { \
        if (derivative) {                                                                             \
            _Pragma("clang loop vectorize(assume_safety)") for (long i = 0; i < count; i++) {         \
                float d, value = name##_both(inp[i], &d);                                             \
                out[i] = value;                                                                       \
                derivative[i] = d;                                                                    \
            }                                                                                         \
        } else {                                                                                      \
            _Pragma("clang loop vectorize(assume_safety)") for (long i = 0; i < count; i++)           \
                out[i] = name##_value(inp[i]);                                                        \
        }                                                                                             \
    }                                                                                                 \
    DNT_INLINE void name##_backward_body(float *dinp, const float *inp, const float *dout, long count) { \
        _Pragma("clang loop vectorize(assume_safety)") for (long i = 0; i < count; i++) {             \
            float d;                                                                                  \
            (void)name##_both(inp[i], &d);                                                            \
            dinp[i] = dout[i] * d;                                                                    \
        }                                                                                             \
    }

DNT_ACTIVATION(gelu)
DNT_ACTIVATION(silu)

// Dropout masks: eight xoshiro128+ streams side by side (the state is s0[8], s1[8], s2[8], s3[8]),
// one uniform float in [0, 1) per lane and step from the top 23 bits of s0 + s3. Written with
// vector types so that each step is a handful of vector instructions on any target.
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

DNT_INLINE void xoshiro8_uniform(u32x8 s[4], f32x8 *u) {
    u32x8 result = s[0] + s[3], t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >> 21);
    u32x8 bits = (result >> 9) | 0x3F800000u;
    *u = (f32x8)bits - 1.0f;
}

DNT_INLINE void uniform_body(uint32_t *state, float *out, long count) {
    u32x8 s[4];
    memcpy(s, state, sizeof s);
    for (long i = 0; i < count; i += 8) {
        f32x8 u;
        xoshiro8_uniform(s, &u);
        if (i + 8 <= count) memcpy(out + i, &u, sizeof u);
        else for (int l = 0; i + l < count; l++) out[i + l] = u[l];
    }
    memcpy(state, s, sizeof s);
}

// out[i] = x[i]/(1-p) where kept (probability 1-p), 0 where dropped; x NULL means x = 1.
DNT_INLINE void dropout_body(uint32_t *state, float *out, const float *x, long count, float p) {
    u32x8 s[4];
    memcpy(s, state, sizeof s);
    const f32x8 keep = (f32x8){0} + 1.0f / (1.0f - p);
    long i = 0;
    for (; i < count; i += 8) {
        f32x8 u;
        xoshiro8_uniform(s, &u);
        i32x8 kept = u >= p;  // lanes all ones where kept
        f32x8 v = keep;
        if (x) {
            f32x8 xv;
            if (i + 8 <= count) memcpy(&xv, x + i, sizeof xv);
            else for (int l = 0; l < 8; l++) xv[l] = i + l < count ? x[i + l] : 0.0f;
            v = keep * xv;
        }
        f32x8 r = (f32x8)((i32x8)v & kept);
        if (i + 8 <= count) memcpy(out + i, &r, sizeof r);
        else for (int l = 0; i + l < count; l++) out[i + l] = r[l];
    }
    memcpy(state, s, sizeof s);
}

DNT_INLINE void softmax_row_body(float *row, const float *valid, long count) {
    float mx = -__builtin_inff();
    for (long i = 0; i < count; i++) mx = __builtin_fmaxf(mx, valid[i] != 0.0f ? row[i] : -__builtin_inff());
    if (mx == -__builtin_inff()) {  // no valid key
        for (long i = 0; i < count; i++) row[i] = 0.0f;
        return;
    }
    float sum = 0.0f;
    {
#pragma clang fp reassociate(on)
        // A masked score's exponent is finite (exp_poly clamps its input), so the product is 0.
        for (long i = 0; i < count; i++) {
            float e = exp_poly(row[i] - mx) * (valid[i] != 0.0f ? 1.0f : 0.0f);
            row[i] = e;
            sum += e;
        }
    }
    float inv = 1.0f / sum;
    for (long i = 0; i < count; i++) row[i] *= inv;
}

DNT_INLINE void softmax_backward_row_body(float *drow, const float *prow, const float *dropped, float keep, long count) {
    if (dropped) {
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < count; i++) drow[i] = dropped[i] != 0.0f ? drow[i] * keep : 0.0f;
    }
    float dot = 0.0f;
    {
#pragma clang fp reassociate(on)
        for (long i = 0; i < count; i++) dot += drow[i] * prow[i];
    }
#pragma clang loop vectorize(assume_safety)
    for (long i = 0; i < count; i++) drow[i] = prow[i] * (drow[i] - dot);
}

DNT_INLINE void layernorm_forward_body(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                                       const float *bias, long rows, long width, float eps) {
    for (long r = 0; r < rows; r++) {
        const float *x = inp + r * width;
        float *y = out + r * width;
        double sum = 0.0, sq = 0.0;
        {
#pragma clang fp reassociate(on)
            for (long i = 0; i < width; i++) sum += (double)x[i];
        }
        const double md = sum / (double)width;
        {
#pragma clang fp reassociate(on)
            for (long i = 0; i < width; i++) sq += ((double)x[i] - md) * ((double)x[i] - md);
        }
        const float m = (float)md, s = (float)(1.0 / __builtin_sqrt(sq / (double)width + (double)eps));
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < width; i++) y[i] = (x[i] - m) * s * weight[i] + bias[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

DNT_INLINE void layernorm_backward_body(float *dinp, const float *dout, const float *inp, const float *weight,
                                        const float *mean, const float *rstd, long rows, long width) {
    for (long r = 0; r < rows; r++) {
        const float *x = inp + r * width, *dy = dout + r * width;
        float *dx = dinp + r * width;
        const float m = mean[r], s = rstd[r];
        double a1 = 0.0, a2 = 0.0;
        {
#pragma clang fp reassociate(on)
            for (long i = 0; i < width; i++) {
                float g = weight[i] * dy[i];
                a1 += (double)g;
                a2 += (double)g * (double)((x[i] - m) * s);
            }
        }
        const float meanG = (float)(a1 / (double)width), meanGN = (float)(a2 / (double)width);
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < width; i++) dx[i] = (weight[i] * dy[i] - meanG - (x[i] - m) * s * meanGN) * s;
    }
}

DNT_INLINE void layernorm_param_grads_body(float *dweight, float *dbias, const float *dout, const float *inp,
                                           const float *mean, const float *rstd, long rows, long width,
                                           long first, long end) {
    for (long r = 0; r < rows; r++) {
        const float *x = inp + r * width, *dy = dout + r * width;
        const float m = mean[r], s = rstd[r];
        if (dweight) {
#pragma clang loop vectorize(assume_safety)
            for (long i = first; i < end; i++) dweight[i] += (x[i] - m) * s * dy[i];
        }
        if (dbias) {
#pragma clang loop vectorize(assume_safety)
            for (long i = first; i < end; i++) dbias[i] += dy[i];
        }
    }
}

// ---- LoRA's row work ----
// lora_rows.h holds it, written over a vector type; it is included twice: with 8-float vectors
// (the baseline and AVX2 builds) and with 16-float vectors (the AVX-512 build).

DNT_INLINE f32x8 ld8(const float *p) { f32x8 v; memcpy(&v, p, sizeof v); return v; }
DNT_INLINE void st8(float *p, f32x8 v) { memcpy(p, &v, sizeof v); }
DNT_INLINE float hsum8(f32x8 v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); }
DNT_INLINE f32x8 splat8(float x) { return (f32x8){0} + x; }

typedef float f32x16 __attribute__((vector_size(64)));
DNT_INLINE f32x16 ld16(const float *p) { f32x16 v; memcpy(&v, p, sizeof v); return v; }
DNT_INLINE void st16(float *p, f32x16 v) { memcpy(p, &v, sizeof v); }
DNT_INLINE float hsum16(f32x16 v) {
    f32x8 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    f32x8 hi = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    return hsum8(lo + hi);
}
DNT_INLINE f32x16 splat16(float x) { return (f32x16){0} + x; }

#define VEC f32x8
#define VW 8
#define LDV ld8
#define STV st8
#define HSUMV hsum8
#define SPLATV splat8
#define LORA_FN(name) name##_v8
#include "lora_rows.h"

#define VEC f32x16
#define VW 16
#define LDV ld16
#define STV st16
#define HSUMV hsum16
#define SPLATV splat16
#define LORA_FN(name) name##_v16
#include "lora_rows.h"

DNT_INLINE void exp_body(float *out, const float *inp, long count) {
    for (long i = 0; i < count; i++) out[i] = exp_poly(inp[i]);
}

DNT_INLINE void erf_body(float *out, const float *inp, long count) {
    for (long i = 0; i < count; i++) out[i] = erf_poly(inp[i]);
}

// A correctly rounded square root that vectorises: the elementwise builtin is llvm.sqrt without
// errno (sqrtf's errno keeps a loop scalar unless built with -fno-math-errno).
#if __has_builtin(__builtin_elementwise_sqrt)
#define DNT_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define DNT_SQRT(x) __builtin_sqrtf(x)
#endif

// AdamW's update: a stream over four arrays (28 bytes per element), which the vector square root
// and the two divisions keep up with. Multiply-adds stay separate (contraction off), so the vector
// body and the scalar remainder round alike and a split of the array anywhere changes no bit.
DNT_INLINE void adamw_body(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                           long count, int decays, const dnt_adamw_constants *constants) {
#pragma clang fp contract(off)
    const dnt_adamw_constants c = *constants;
    const float decay = decays ? c.decay : 1.0f;  // x·1 is x, NaN and -0 included
    for (long i = 0; i < count; i++) {
        float gg = g[i] * c.gradient_scale, pp = p[i] * decay;
        float mm = m[i] + c.one_minus_beta1 * (gg - m[i]);
        float vv = v[i] * c.beta2 + c.one_minus_beta2 * (gg * gg);
        float denominator = DNT_SQRT(vv) / c.bias2_sqrt + c.epsilon;
        p[i] = pp + c.negative_step_size * (mm / denominator);
        m[i] = mm;
        v[i] = vv;
    }
}

// ---- Dispatch ----

static dnt_isa best_isa(void) {
#if DNT_X86
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return DNT_ISA_BASELINE;
    // The compiler's runtime reports AVX-512 only when the OS saves the 512-bit registers too.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return DNT_ISA_AVX512;
    return DNT_ISA_AVX2_FMA;
#endif
    return DNT_ISA_BASELINE;
}

static int isa_cache = -1;  // -1 until the first call; every thread computes the same value.

dnt_isa dnt_kernels_isa(void) {
    int isa = __atomic_load_n(&isa_cache, __ATOMIC_RELAXED);
    if (isa < 0) {
        isa = (int)best_isa();
        __atomic_store_n(&isa_cache, isa, __ATOMIC_RELAXED);
    }
    return (dnt_isa)isa;
}

// DNT_KERNEL(name, (params), (args)) defines dnt_name_isa, which runs name_body(args) compiled for
// the requested instruction set (the baseline when this CPU lacks it), and dnt_name, which runs
// the best one. DNT_KERNEL_WIDTHS does the same with one body for 8-float vectors (baseline and
// AVX2) and one for 16-float vectors (AVX-512).
#if DNT_X86
#define DNT_KERNEL_WIDTHS(name, body8, body16, params, args)                       \
    static void name##_baseline params { body8 args; }                            \
    DNT_AVX2 static void name##_avx2 params { body8 args; }                       \
    DNT_AVX512 static void name##_avx512 params { body16 args; }                  \
    void dnt_##name##_isa(dnt_isa isa, DNT_UNPAREN params) {                       \
        dnt_isa best = dnt_kernels_isa();                                          \
        if (isa == DNT_ISA_AVX512 && best == DNT_ISA_AVX512)                       \
            name##_avx512 args;                                                    \
        else if (isa == DNT_ISA_AVX2_FMA && best != DNT_ISA_BASELINE)              \
            name##_avx2 args;                                                      \
        else                                                                       \
            name##_baseline args;                                                  \
    }                                                                              \
    void dnt_##name params { dnt_##name##_isa(dnt_kernels_isa(), DNT_UNPAREN args); }
#else
#define DNT_KERNEL_WIDTHS(name, body8, body16, params, args)                       \
    void dnt_##name##_isa(dnt_isa isa, DNT_UNPAREN params) { (void)isa; body8 args; } \
    void dnt_##name params { body8 args; }
#endif
#define DNT_KERNEL(name, params, args) DNT_KERNEL_WIDTHS(name, name##_body, name##_body, params, args)
#define DNT_UNPAREN(...) __VA_ARGS__

DNT_KERNEL(gelu_forward, (float *out, float *derivative, const float *inp, long count), (out, derivative, inp, count))
DNT_KERNEL(gelu_backward, (float *dinp, const float *inp, const float *dout, long count), (dinp, inp, dout, count))
DNT_KERNEL(silu_forward, (float *out, float *derivative, const float *inp, long count), (out, derivative, inp, count))
DNT_KERNEL(silu_backward, (float *dinp, const float *inp, const float *dout, long count), (dinp, inp, dout, count))
DNT_KERNEL(softmax_row, (float *row, const float *valid, long count), (row, valid, count))
DNT_KERNEL(uniform, (uint32_t *state, float *out, long count), (state, out, count))
DNT_KERNEL(dropout, (uint32_t *state, float *out, const float *x, long count, float p), (state, out, x, count, p))
DNT_KERNEL(softmax_backward_row, (float *drow, const float *prow, const float *dropped, float keep, long count),
           (drow, prow, dropped, keep, count))
DNT_KERNEL(layernorm_forward, (float *out, float *mean, float *rstd, const float *inp, const float *weight,
                               const float *bias, long rows, long width, float eps),
           (out, mean, rstd, inp, weight, bias, rows, width, eps))
DNT_KERNEL(layernorm_backward, (float *dinp, const float *dout, const float *inp, const float *weight,
                                const float *mean, const float *rstd, long rows, long width),
           (dinp, dout, inp, weight, mean, rstd, rows, width))
DNT_KERNEL(layernorm_param_grads, (float *dweight, float *dbias, const float *dout, const float *inp,
                                   const float *mean, const float *rstd, long rows, long width, long first, long end),
           (dweight, dbias, dout, inp, mean, rstd, rows, width, first, end))
DNT_KERNEL_WIDTHS(lora_forward, lora_forward_body_v8, lora_forward_body_v16, (const float *x, long ldx, long rows, long in, uint32_t *state, float p,
                          float *scratch, const float *a, const float *bt, long r, float scaling, float *u, float *out,
                          long ldout, long outFeatures),
           (x, ldx, rows, in, state, p, scratch, a, bt, r, scaling, u, out, ldout, outFeatures))
DNT_KERNEL_WIDTHS(lora_backward, lora_backward_body_v8, lora_backward_body_v16, (const float *dout, long ldout, long rows, long outFeatures, const float *bt, long r,
                           float scaling, const float *u, const float *x, long ldx, long in, const float *a,
                           uint32_t *state, float p, float *scratch, float *dinp, long ldinp, float *du, float *dbt, float *da),
           (dout, ldout, rows, outFeatures, bt, r, scaling, u, x, ldx, in, a, state, p, scratch, dinp, ldinp, du, dbt, da))
DNT_KERNEL(exp, (float *out, const float *inp, long count), (out, inp, count))
DNT_KERNEL(erf, (float *out, const float *inp, long count), (out, inp, count))
DNT_KERNEL(adamw, (float *params, const float *gradients, float *first_moment, float *second_moment, long count,
                   int decays, const dnt_adamw_constants *constants),
           (params, gradients, first_moment, second_moment, count, decays, constants))
