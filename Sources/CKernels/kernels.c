// The training engine's elementwise and row kernels with run-time instruction-set dispatch; see
// include/CKernels.h.
//
// Each kernel's body is written once, as an always-inline function over plain float loops that
// the compiler vectorises (or over explicit 8-float vectors), and instantiated twice: for the
// baseline target and, on x86-64, with AVX2 + FMA enabled. The polynomials are Cephes' expf (range reduction to [-ln2/2, ln2/2]) and
// Eigen's rational erf on [-4, 4], as Hugging Face's exact "gelu" needs erf itself, not tanh.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define DNT_X86 1
#define DNT_AVX2 __attribute__((target("avx2,fma")))
#else
#define DNT_X86 0
#endif

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

// The GELU loops run in place (an output at the same address as its input) as well as on
// separate arrays: element i is read before element i is written, and nothing else overlaps, so
// the vectoriser may ignore the possible aliasing.
DNT_INLINE void gelu_forward_body(float *out, float *derivative, const float *inp, long count) {
    if (derivative) {
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < count; i++) {
            float x = inp[i], cdf = normal_cdf(x), pdf = normal_pdf(x);
            out[i] = x * cdf;
            derivative[i] = cdf + x * pdf;
        }
    } else {
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < count; i++) out[i] = inp[i] * normal_cdf(inp[i]);
    }
}

DNT_INLINE void gelu_backward_body(float *dinp, const float *inp, const float *dout, long count) {
#pragma clang loop vectorize(assume_safety)
    for (long i = 0; i < count; i++) {
        float x = inp[i];
        dinp[i] = dout[i] * (normal_cdf(x) + x * normal_pdf(x));
    }
}

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
// Small dense pieces written with explicit 8-float vectors and several independent accumulators, so
// that they run at the speed of their loads rather than the latency of one chain of adds.

DNT_INLINE f32x8 ld8(const float *p) { f32x8 v; memcpy(&v, p, sizeof v); return v; }
DNT_INLINE void st8(float *p, f32x8 v) { memcpy(p, &v, sizeof v); }
DNT_INLINE float hsum8(f32x8 v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); }
DNT_INLINE f32x8 splat8(float x) { return (f32x8){0} + x; }

// y[j] = scale · Σ_k v[k]·m[j·width + k] for j < r: r dot products of v with the rows of m.
DNT_INLINE void row_dots(float *y, const float *v, const float *m, long r, long width, float scale) {
    long j = 0;
    for (; j + 4 <= r; j += 4) {
        const float *m0 = m + j * width, *m1 = m0 + width, *m2 = m1 + width, *m3 = m2 + width;
        f32x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        long k = 0;
        for (; k + 8 <= width; k += 8) {
            f32x8 x = ld8(v + k);
            a0 += x * ld8(m0 + k); a1 += x * ld8(m1 + k); a2 += x * ld8(m2 + k); a3 += x * ld8(m3 + k);
        }
        float s0 = hsum8(a0), s1 = hsum8(a1), s2 = hsum8(a2), s3 = hsum8(a3);
        for (; k < width; k++) { s0 += v[k] * m0[k]; s1 += v[k] * m1[k]; s2 += v[k] * m2[k]; s3 += v[k] * m3[k]; }
        y[j] = scale * s0; y[j + 1] = scale * s1; y[j + 2] = scale * s2; y[j + 3] = scale * s3;
    }
    for (; j < r; j++) {
        const float *mj = m + j * width;
        f32x8 a0 = {0};
        long k = 0;
        for (; k + 8 <= width; k += 8) a0 += ld8(v + k) * ld8(mj + k);
        float s0 = hsum8(a0);
        for (; k < width; k++) s0 += v[k] * mj[k];
        y[j] = scale * s0;
    }
}

// out[k] += scale · (Σ_j c[j]·m[j·width + k]) · mask[k] for k < width (mask NULL: no mask).
DNT_INLINE void row_combine(float *out, const float *c, const float *m, long r, long width, float scale,
                            const float *mask) {
    long k = 0;
    for (; k + 32 <= width; k += 32) {
        f32x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (long j = 0; j < r; j++) {
            f32x8 cj = splat8(c[j]);
            const float *mj = m + j * width + k;
            a0 += cj * ld8(mj); a1 += cj * ld8(mj + 8); a2 += cj * ld8(mj + 16); a3 += cj * ld8(mj + 24);
        }
        if (mask) {
            a0 *= ld8(mask + k); a1 *= ld8(mask + k + 8); a2 *= ld8(mask + k + 16); a3 *= ld8(mask + k + 24);
        }
        f32x8 sc = splat8(scale);
        st8(out + k, ld8(out + k) + sc * a0);
        st8(out + k + 8, ld8(out + k + 8) + sc * a1);
        st8(out + k + 16, ld8(out + k + 16) + sc * a2);
        st8(out + k + 24, ld8(out + k + 24) + sc * a3);
    }
    for (; k + 8 <= width; k += 8) {
        f32x8 a0 = {0};
        for (long j = 0; j < r; j++) a0 += splat8(c[j]) * ld8(m + j * width + k);
        if (mask) a0 *= ld8(mask + k);
        st8(out + k, ld8(out + k) + splat8(scale) * a0);
    }
    for (; k < width; k++) {
        float a0 = 0.0f;
        for (long j = 0; j < r; j++) a0 += c[j] * m[j * width + k];
        out[k] += scale * a0 * (mask ? mask[k] : 1.0f);
    }
}

// acc[j·width + k] = Σ_row c[row·r + j] · v[row·ldv + k] for j < r, k < width (overwritten): the
// product cᵀ·v of a block of rows, with 4 × 16 accumulators held in registers across the rows.
DNT_INLINE void block_outer(float *acc, const float *c, const float *v, long ldv, long rows, long r, long width) {
    long j0 = 0;
    for (; j0 + 4 <= r; j0 += 4) {
        long k = 0;
        for (; k + 16 <= width; k += 16) {
            f32x8 a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0};
            for (long row = 0; row < rows; row++) {
                const float *vr = v + row * ldv + k, *cr = c + row * r + j0;
                f32x8 v0 = ld8(vr), v1 = ld8(vr + 8);
                f32x8 c0 = splat8(cr[0]), c1 = splat8(cr[1]), c2 = splat8(cr[2]), c3 = splat8(cr[3]);
                a00 += c0 * v0; a01 += c0 * v1; a10 += c1 * v0; a11 += c1 * v1;
                a20 += c2 * v0; a21 += c2 * v1; a30 += c3 * v0; a31 += c3 * v1;
            }
            float *o = acc + j0 * width + k;
            st8(o, a00); st8(o + 8, a01);
            st8(o + width, a10); st8(o + width + 8, a11);
            st8(o + 2 * width, a20); st8(o + 2 * width + 8, a21);
            st8(o + 3 * width, a30); st8(o + 3 * width + 8, a31);
        }
        for (; k < width; k++) {
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
            for (long row = 0; row < rows; row++) {
                const float x = v[row * ldv + k], *cr = c + row * r + j0;
                s0 += cr[0] * x; s1 += cr[1] * x; s2 += cr[2] * x; s3 += cr[3] * x;
            }
            acc[j0 * width + k] = s0; acc[(j0 + 1) * width + k] = s1;
            acc[(j0 + 2) * width + k] = s2; acc[(j0 + 3) * width + k] = s3;
        }
    }
    for (; j0 < r; j0++) {
        float *o = acc + j0 * width;
        for (long k = 0; k < width; k++) o[k] = 0.0f;
        for (long row = 0; row < rows; row++) {
            const float cj = c[row * r + j0], *vr = v + row * ldv;
#pragma clang loop vectorize(assume_safety)
            for (long k = 0; k < width; k++) o[k] += cj * vr[k];
        }
    }
}

// Forward, row by row: with a generator `state`, draw the row's dropout mask into `mask` and the
// dropped input into `xd`; then u = x·Aᵀ (A [r, in]) and out += scaling · u·B (B given as bt [r, out]).
DNT_INLINE void lora_forward_body(const float *x, long ldx, long rows, long in, uint32_t *state, float p,
                                  float *mask, float *xd, const float *a, const float *bt, long r, float scaling,
                                  float *u, float *out, long ldout, long outFeatures) {
    for (long row = 0; row < rows; row++) {
        const float *src = x + row * ldx;
        if (state) {
            float *m = mask + row * in, *d = xd + row * in;
            dropout_body(state, m, NULL, in, p);
#pragma clang loop vectorize(assume_safety)
            for (long k = 0; k < in; k++) d[k] = src[k] * m[k];
            src = d;
        }
        float *ur = u + row * r;
        row_dots(ur, src, a, r, in, 1.0f);
        row_combine(out + row * ldout, ur, bt, r, outFeatures, scaling, NULL);
    }
}

// Backward for a block of rows: du = scaling · dout·B (into `du`), the block's share of
// dBᵀ = scaling · uᵀ·dout (into `dbt` [r, out]) and of dA = duᵀ·x (into `da` [r, in]), both
// overwritten; with `dinp`, dinp += (du·A) ⊙ mask (mask NULL: none). `x` is the adapter's
// input as the forward pass used it (the dropped input under dropout).
DNT_INLINE void lora_backward_body(const float *dout, long ldout, long rows, long outFeatures, const float *bt,
                                   long r, float scaling, const float *u, const float *x, long ldx, long in,
                                   const float *a, const float *mask, float *dinp, long ldinp, float *du,
                                   float *dbt, float *da) {
    for (long row = 0; row < rows; row++) {
        float *dur = du + row * r;
        row_dots(dur, dout + row * ldout, bt, r, outFeatures, scaling);
        if (dinp) row_combine(dinp + row * ldinp, dur, a, r, in, 1.0f, mask ? mask + row * in : NULL);
    }
    block_outer(dbt, u, dout, ldout, rows, r, outFeatures);
    for (long i = 0; i < r * outFeatures; i++) dbt[i] *= scaling;
    block_outer(da, du, x, ldx, rows, r, in);
}

DNT_INLINE void exp_body(float *out, const float *inp, long count) {
    for (long i = 0; i < count; i++) out[i] = exp_poly(inp[i]);
}

DNT_INLINE void erf_body(float *out, const float *inp, long count) {
    for (long i = 0; i < count; i++) out[i] = erf_poly(inp[i]);
}

// ---- Dispatch ----

static dnt_isa best_isa(void) {
#if DNT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DNT_ISA_AVX2_FMA;
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
// the requested instruction set (the baseline when this CPU lacks it), and dnt_name, which
// runs the best one.
#if DNT_X86
#define DNT_KERNEL(name, params, args)                                             \
    static void name##_baseline params { name##_body args; }                      \
    DNT_AVX2 static void name##_avx2 params { name##_body args; }                 \
    void dnt_##name##_isa(dnt_isa isa, DNT_UNPAREN params) {                       \
        if (isa == DNT_ISA_AVX2_FMA && dnt_kernels_isa() == DNT_ISA_AVX2_FMA)       \
            name##_avx2 args;                                                      \
        else                                                                       \
            name##_baseline args;                                                  \
    }                                                                              \
    void dnt_##name params { dnt_##name##_isa(dnt_kernels_isa(), DNT_UNPAREN args); }
#else
#define DNT_KERNEL(name, params, args)                                             \
    void dnt_##name##_isa(dnt_isa isa, DNT_UNPAREN params) { (void)isa; name##_body args; } \
    void dnt_##name params { name##_body args; }
#endif
#define DNT_UNPAREN(...) __VA_ARGS__

DNT_KERNEL(gelu_forward, (float *out, float *derivative, const float *inp, long count), (out, derivative, inp, count))
DNT_KERNEL(gelu_backward, (float *dinp, const float *inp, const float *dout, long count), (dinp, inp, dout, count))
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
DNT_KERNEL(lora_forward, (const float *x, long ldx, long rows, long in, uint32_t *state, float p, float *mask,
                          float *xd, const float *a, const float *bt, long r, float scaling, float *u, float *out,
                          long ldout, long outFeatures),
           (x, ldx, rows, in, state, p, mask, xd, a, bt, r, scaling, u, out, ldout, outFeatures))
DNT_KERNEL(lora_backward, (const float *dout, long ldout, long rows, long outFeatures, const float *bt, long r,
                           float scaling, const float *u, const float *x, long ldx, long in, const float *a,
                           const float *mask, float *dinp, long ldinp, float *du, float *dbt, float *da),
           (dout, ldout, rows, outFeatures, bt, r, scaling, u, x, ldx, in, a, mask, dinp, ldinp, du, dbt, da))
DNT_KERNEL(exp, (float *out, const float *inp, long count), (out, inp, count))
DNT_KERNEL(erf, (float *out, const float *inp, long count), (out, inp, count))
