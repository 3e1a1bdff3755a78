// The linear layers' three products, `X·Wᵀ` (forward), `dY·W` (the input gradient) and `dYᵀ·X` (the
// weight gradient), as an AVX-512 outer-product kernel; see include/CKernels.h.
//
// The layout is the usual one of packed matrix products (Goto; BLIS): the weight (for the weight
// gradient, X) is the "A" side, packed in blocks of DNT_GEMM_MC panels of 32 outputs by
// DNT_GEMM_KC inner indices, each panel `[k][32]`; the rows of X (of dYᵀ) are the "B" side,
// packed 12 rows at a time as `[k][12]`; a 12 × 32 micro-kernel keeps 24 accumulators in
// registers, loads two vectors of the weight panel and broadcasts 12 row values per inner index
// (a last row panel of at most 8 or 4 rows runs the same kernel cut to 8 or 4 rows).
// What differs from OpenBLAS's own calls is where the weight comes from: each call reads it from
// memory once, and packing stalls on that read. Here the micro-kernel prefetches the next block's
// weight lines (a few per call, spread through its inner loop) while it computes on this one, so
// the packing reads them from cache; and the rows of the output it adds to, for the same reason.
// On the step shapes of the published models (256 and 792 rows, two threads, weights and
// gradients cold from memory) that runs 1–15 % faster than OpenBLAS 0.3.21's sgemm called as the
// engine called it before, one single-threaded call per thread on its half of the outputs
// (docs/results.md).
//
// Every output element is the sum over the inner index in the same order whatever the split of the
// outputs across threads, so results do not depend on the number of workers.
#include "CKernels.h"

#include <pthread.h>
#include <stdlib.h>

#include "targets.h"
#if DNT_X86
#include <immintrin.h>
#endif

// The block sizes, from a sweep on the AMD EPYC (Zen 4: 32 KB L1, 1 MB L2 per core) at 256 and 792
// rows: KC 256–640 by MC 3–16; KC 512 with MC 3 or 4 was best or within 1 % of it on every shape.
enum {
    DNT_GEMM_MR = 32,   // outputs per weight panel (two 16-float vectors)
    DNT_GEMM_NR = 12,   // rows per row panel
    DNT_GEMM_KC = 512,  // inner indices per block: a row panel is 24 KB, in L1 while the block's panels use it
    DNT_GEMM_MC = 3,    // weight panels per block: 192 KB of the weight, in L2
    DNT_GEMM_RB = 792,  // rows packed at a time (66 panels, 1.6 MB)
};

// ---- Portable reference, for CPUs without AVX-512 (the Swift side uses OpenBLAS there) ----

static void gemm_reference(const float *x, long ldx, int x_transposed, const float *w, long ldw, int transposed,
                           float *out, long ldout, const float *bias, long rows, long k, long n0, long n1, int accumulate) {
    for (long r = 0; r < rows; r++)
        for (long n = n0; n < n1; n++) {
            float sum = 0;
            for (long i = 0; i < k; i++)
                sum += (x_transposed ? x[i * ldx + r] : x[r * ldx + i]) * (transposed ? w[n * ldw + i] : w[i * ldw + n]);
            float base = accumulate ? out[r * ldout + n] : 0;
            if (bias) base += bias[n];
            out[r * ldout + n] = base + sum;
        }
}

#if DNT_X86

// Each thread's packing buffers (1.8 MB), made on its first call and freed when the thread ends.
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void make_scratch_key(void) { pthread_key_create(&scratch_key, free); }
enum { DNT_GEMM_X_FLOATS = (DNT_GEMM_RB + DNT_GEMM_NR) * DNT_GEMM_KC, DNT_GEMM_A_FLOATS = DNT_GEMM_MC * DNT_GEMM_MR * DNT_GEMM_KC };

static float *thread_scratch(void) {
    pthread_once(&scratch_once, make_scratch_key);
    float *scratch = pthread_getspecific(scratch_key);
    if (!scratch) {
        scratch = aligned_alloc(64, sizeof(float) * (DNT_GEMM_X_FLOATS + DNT_GEMM_A_FLOATS));
        if (!scratch) return NULL;
        pthread_setspecific(scratch_key, scratch);
    }
    return scratch;
}

// The lines of the next block's weight, prefetched a few per micro-kernel call: `rows` rows of
// `lines` cache lines each, `stride_bytes` apart, from `base`.
typedef struct {
    const char *base;
    long stride_bytes, rows, lines, row, line;
} prefetch_plan;

// The lanes of a 32-float panel that hold one of its first `valid` (1...32) columns: `lo` for
// floats 0..<16, `hi` for 16..<32.
typedef struct { __mmask16 lo, hi; } lane_masks;
static inline lane_masks panel_masks(long valid) {
    lane_masks m = {(__mmask16)(valid >= 16 ? 0xFFFF : (1u << valid) - 1),
                    (__mmask16)(valid >= 32 ? 0xFFFF : valid > 16 ? (1u << (valid - 16)) - 1 : 0)};
    return m;
}

DNT_AVX512 static inline void prefetch_next(prefetch_plan *plan) {
    if (plan->row >= plan->rows) return;
    _mm_prefetch(plan->base + plan->row * plan->stride_bytes + plan->line * 64, _MM_HINT_T1);
    if (++plan->line == plan->lines) { plan->line = 0; plan->row++; }
}

// The transpose of the 16 × 16 block in r: dst row j (ldd floats apart) gets element j of every
// r[i], in the lanes of `mask` (the rest of each dst row is left alone).
DNT_AVX512 static inline void transpose16_store(__m512 r[16], float *dst, long ldd, __mmask16 mask) {
    __m512 g[4][4];
    for (int q = 0; q < 4; q++) {
        __m512 t0 = _mm512_unpacklo_ps(r[4 * q], r[4 * q + 1]), t1 = _mm512_unpackhi_ps(r[4 * q], r[4 * q + 1]);
        __m512 t2 = _mm512_unpacklo_ps(r[4 * q + 2], r[4 * q + 3]), t3 = _mm512_unpackhi_ps(r[4 * q + 2], r[4 * q + 3]);
        g[q][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
        g[q][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
        g[q][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
        g[q][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
    }
    // g[q][e] holds, in 128-bit lane l, element 4l + e of r[4q..4q+3].
    for (int e = 0; e < 4; e++) {
        __m512 v0 = _mm512_shuffle_f32x4(g[0][e], g[1][e], 0x44), v1 = _mm512_shuffle_f32x4(g[0][e], g[1][e], 0xEE);
        __m512 v2 = _mm512_shuffle_f32x4(g[2][e], g[3][e], 0x44), v3 = _mm512_shuffle_f32x4(g[2][e], g[3][e], 0xEE);
        _mm512_mask_storeu_ps(dst + (0 + e) * ldd, mask, _mm512_shuffle_f32x4(v0, v2, 0x88));
        _mm512_mask_storeu_ps(dst + (4 + e) * ldd, mask, _mm512_shuffle_f32x4(v0, v2, 0xDD));
        _mm512_mask_storeu_ps(dst + (8 + e) * ldd, mask, _mm512_shuffle_f32x4(v1, v3, 0x88));
        _mm512_mask_storeu_ps(dst + (12 + e) * ldd, mask, _mm512_shuffle_f32x4(v1, v3, 0xDD));
    }
}

// Rows 0..<rb of x (ldx apart), inner indices k0..<k0+kc, into panels `[k][12]`, zero past the last
// row. `x_transposed`: x is stored `[inner][rows]` instead, so each panel's 12 values of an inner
// index are already side by side.
DNT_AVX512 static void pack_rows(const float *x, long ldx, int x_transposed, long rb, long k0, long kc, float *xp) {
    if (x_transposed) {
        for (long p = 0; p * DNT_GEMM_NR < rb; p++) {
            float *dst = xp + p * kc * DNT_GEMM_NR;
            long valid = rb - p * DNT_GEMM_NR < DNT_GEMM_NR ? rb - p * DNT_GEMM_NR : DNT_GEMM_NR;
            __mmask16 mask = panel_masks(valid).lo;
            for (long k = 0; k < kc; k++)
                _mm512_mask_storeu_ps(dst + k * DNT_GEMM_NR, 0x0FFF,
                                      _mm512_maskz_loadu_ps(mask, x + (k0 + k) * ldx + p * DNT_GEMM_NR));
        }
        return;
    }
    for (long p = 0; p * DNT_GEMM_NR < rb; p++) {
        float *dst = xp + p * kc * DNT_GEMM_NR;
        const float *src = x + p * DNT_GEMM_NR * ldx + k0;
        long valid = rb - p * DNT_GEMM_NR < DNT_GEMM_NR ? rb - p * DNT_GEMM_NR : DNT_GEMM_NR;
        long k = 0;
        for (; k + 16 <= kc; k += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++) r[i] = i < valid ? _mm512_loadu_ps(src + i * ldx + k) : _mm512_setzero_ps();
            transpose16_store(r, dst + k * DNT_GEMM_NR, DNT_GEMM_NR, 0x0FFF);
        }
        for (; k < kc; k++)
            for (long j = 0; j < DNT_GEMM_NR; j++) dst[k * DNT_GEMM_NR + j] = j < valid ? src[j * ldx + k] : 0;
    }
}

// Weight panels [n0 + 32p, …) for p in 0..<panels (outputs below n1), inner indices k0..<k0+kc,
// into `[p][k][32]`, zero past n1. `transposed`: the weight is `[outputs][inner]` (X·Wᵀ);
// otherwise `[inner][outputs]` (dY·W).
DNT_AVX512 static void pack_weight(const float *w, long ldw, int transposed, long n0, long n1, long panels,
                                        long k0, long kc, float *ap) {
    for (long p = 0; p < panels; p++) {
        float *dst = ap + p * kc * DNT_GEMM_MR;
        long first = n0 + p * DNT_GEMM_MR;
        long valid = n1 - first < DNT_GEMM_MR ? n1 - first : DNT_GEMM_MR;
        if (transposed) {
            const float *src = w + first * ldw + k0;
            long k = 0;
            for (; k + 16 <= kc; k += 16)
                for (int half = 0; half < 2; half++) {
                    __m512 r[16];
                    for (int i = 0; i < 16; i++)
                        r[i] = 16 * half + i < valid ? _mm512_loadu_ps(src + (16 * half + i) * ldw + k) : _mm512_setzero_ps();
                    transpose16_store(r, dst + k * DNT_GEMM_MR + 16 * half, DNT_GEMM_MR, 0xFFFF);
                }
            for (; k < kc; k++)
                for (long i = 0; i < DNT_GEMM_MR; i++) dst[k * DNT_GEMM_MR + i] = i < valid ? src[i * ldw + k] : 0;
        } else {
            lane_masks m = panel_masks(valid);
            for (long k = 0; k < kc; k++) {
                const float *src = w + (k0 + k) * ldw + first;
                _mm512_store_ps(dst + k * DNT_GEMM_MR, _mm512_maskz_loadu_ps(m.lo, src));
                _mm512_store_ps(dst + k * DNT_GEMM_MR + 16, _mm512_maskz_loadu_ps(m.hi, src + 16));
            }
        }
    }
}

// out rows 0..<rows (ldc apart), 32 columns masked by m0/m1: the panel product over kc inner
// indices, added to `out` when `load_c`, plus `bias` (32 floats, masked) when not NULL. Issues up
// to `quota` prefetches of the plan, one every eight inner indices. `nr` (4, 8 or 12, a constant
// where it is inlined) is how many of the panel's rows it computes: rows ≤ nr ≤ 12, so a short
// last row panel (the 4 rows left of 256) costs a third of a full one, not all of it.
DNT_AVX512 __attribute__((always_inline)) static inline void micro_kernel(
    const int nr, long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, long rows,
    __mmask16 m0, __mmask16 m1, int load_c, const float *bias, prefetch_plan *plan, long quota) {
    __m512 c0a = _mm512_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a,
           c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a, c8a = c0a,
           c8b = c0a, c9a = c0a, c9b = c0a, c10a = c0a, c10b = c0a, c11a = c0a, c11b = c0a;
    // The rows of `out` this call adds to, on their way while the products run.
    if (load_c)
        for (long j = 0; j < rows; j++) {
            _mm_prefetch((const char *)(c + j * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + j * ldc + 16), _MM_HINT_T0);
        }
    for (long k = 0; k < kc; k++) {
        __m512 a0 = _mm512_load_ps(a), a1 = _mm512_load_ps(a + 16), bb;
        if ((k & 7) == 0 && quota > 0) { prefetch_next(plan); quota--; }
#define DNT_GEMM_STEP(j)                                                                                   \
    if (j < nr) {                                                                                          \
        bb = _mm512_set1_ps(b[j]);                                                                         \
        c##j##a = _mm512_fmadd_ps(a0, bb, c##j##a);                                                        \
        c##j##b = _mm512_fmadd_ps(a1, bb, c##j##b);                                                        \
    }
        DNT_GEMM_STEP(0) DNT_GEMM_STEP(1) DNT_GEMM_STEP(2) DNT_GEMM_STEP(3) DNT_GEMM_STEP(4) DNT_GEMM_STEP(5)
        DNT_GEMM_STEP(6) DNT_GEMM_STEP(7) DNT_GEMM_STEP(8) DNT_GEMM_STEP(9) DNT_GEMM_STEP(10) DNT_GEMM_STEP(11)
#undef DNT_GEMM_STEP
        a += DNT_GEMM_MR;
        b += DNT_GEMM_NR;
    }
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#define DNT_GEMM_STORE(j)                                                                                  \
    if (j < nr && j < rows) {                                                                              \
        float *row = c + (long)j * ldc;                                                                    \
        __m512 lo = c##j##a, hi = c##j##b;                                                                 \
        if (load_c) {                                                                                      \
            lo = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), lo);                                        \
            hi = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), hi);                                   \
        }                                                                                                  \
        if (bias) {                                                                                        \
            lo = _mm512_add_ps(lo, bias0);                                                                 \
            hi = _mm512_add_ps(hi, bias1);                                                                 \
        }                                                                                                  \
        _mm512_mask_storeu_ps(row, m0, lo);                                                                \
        _mm512_mask_storeu_ps(row + 16, m1, hi);                                                           \
    }
    DNT_GEMM_STORE(0) DNT_GEMM_STORE(1) DNT_GEMM_STORE(2) DNT_GEMM_STORE(3) DNT_GEMM_STORE(4) DNT_GEMM_STORE(5)
    DNT_GEMM_STORE(6) DNT_GEMM_STORE(7) DNT_GEMM_STORE(8) DNT_GEMM_STORE(9) DNT_GEMM_STORE(10) DNT_GEMM_STORE(11)
#undef DNT_GEMM_STORE
}

// The next block's weight, as a prefetch plan: panels [first, end) of the outputs n0..<n1 at
// inner indices k0..<k0+kc (nothing when k0 is past k).
static prefetch_plan next_block_plan(const float *w, long ldw, int transposed, long n0, long n1, long first,
                                     long end, long k0, long k) {
    prefetch_plan plan = {0};
    if (k0 >= k || first >= end) return plan;
    long kc = k - k0 < DNT_GEMM_KC ? k - k0 : DNT_GEMM_KC;
    long c0 = n0 + first * DNT_GEMM_MR, c1 = n0 + end * DNT_GEMM_MR < n1 ? n0 + end * DNT_GEMM_MR : n1;
    if (transposed) {  // rows: the outputs; each row's inner indices k0..<k0+kc
        plan.base = (const char *)(w + c0 * ldw + k0);
        plan.rows = c1 - c0;
        plan.lines = (kc * (long)sizeof(float) + 63) / 64;
    } else {  // rows: the inner indices; each row's outputs c0..<c1
        plan.base = (const char *)(w + k0 * ldw + c0);
        plan.rows = kc;
        plan.lines = ((c1 - c0) * (long)sizeof(float) + 63) / 64;
    }
    plan.stride_bytes = ldw * (long)sizeof(float);
    return plan;
}

DNT_AVX512 static int gemm_avx512(const float *x, long ldx, int x_transposed, const float *w, long ldw, int transposed, float *out,
                                       long ldout, const float *bias, long rows, long k, long n0, long n1,
                                       int accumulate) {
    float *scratch = thread_scratch();
    if (!scratch) return 0;
    float *xp = scratch, *ap = scratch + DNT_GEMM_X_FLOATS;
    long panels = (n1 - n0 + DNT_GEMM_MR - 1) / DNT_GEMM_MR;
    for (long r0 = 0; r0 < rows; r0 += DNT_GEMM_RB) {
        long rb = rows - r0 < DNT_GEMM_RB ? rows - r0 : DNT_GEMM_RB;
        long row_panels = (rb + DNT_GEMM_NR - 1) / DNT_GEMM_NR;
        for (long k0 = 0; k0 < k; k0 += DNT_GEMM_KC) {
            long kc = k - k0 < DNT_GEMM_KC ? k - k0 : DNT_GEMM_KC;
            int first_block = k0 == 0;
            pack_rows(x_transposed ? x + r0 : x + r0 * ldx, ldx, x_transposed, rb, k0, kc, xp);
            for (long ic = 0; ic < panels; ic += DNT_GEMM_MC) {
                long ie = ic + DNT_GEMM_MC < panels ? ic + DNT_GEMM_MC : panels;
                pack_weight(w, ldw, transposed, n0 + ic * DNT_GEMM_MR, n1, ie - ic, k0, kc, ap);
                // This block's successor: the next panels at k0, or the first at the next k0.
                prefetch_plan plan = ie < panels
                    ? next_block_plan(w, ldw, transposed, n0, n1, ie, ie + DNT_GEMM_MC < panels ? ie + DNT_GEMM_MC : panels, k0, k)
                    : next_block_plan(w, ldw, transposed, n0, n1, 0, DNT_GEMM_MC < panels ? DNT_GEMM_MC : panels, k0 + DNT_GEMM_KC, k);
                long calls = row_panels * (ie - ic);
                long quota = (plan.rows * plan.lines + calls - 1) / calls;
                for (long jp = 0; jp < row_panels; jp++) {
                    long valid_rows = rb - jp * DNT_GEMM_NR < DNT_GEMM_NR ? rb - jp * DNT_GEMM_NR : DNT_GEMM_NR;
                    for (long p = ic; p < ie; p++) {
                        long first = n0 + p * DNT_GEMM_MR;
                        long valid = n1 - first < DNT_GEMM_MR ? n1 - first : DNT_GEMM_MR;
                        lane_masks m = panel_masks(valid);
                        const float *pa = ap + (p - ic) * kc * DNT_GEMM_MR, *pb = xp + jp * kc * DNT_GEMM_NR;
                        float *pc = out + (r0 + jp * DNT_GEMM_NR) * ldout + first;
                        int load_c = first_block ? accumulate : 1;
                        const float *pbias = first_block && bias ? bias + first : NULL;
                        if (valid_rows > 8)
                            micro_kernel(12, kc, pa, pb, pc, ldout, valid_rows, m.lo, m.hi, load_c, pbias, &plan, quota);
                        else if (valid_rows > 4)
                            micro_kernel(8, kc, pa, pb, pc, ldout, valid_rows, m.lo, m.hi, load_c, pbias, &plan, quota);
                        else
                            micro_kernel(4, kc, pa, pb, pc, ldout, valid_rows, m.lo, m.hi, load_c, pbias, &plan, quota);
                    }
                }
            }
        }
    }
    return 1;
}
#endif

int dnt_gemm_available(void) {
#if DNT_X86
    return dnt_kernels_isa() == DNT_ISA_AVX512;
#else
    return 0;
#endif
}

static void gemm(const float *x, long ldx, int x_transposed, const float *w, long ldw, int transposed, float *out,
                 long ldout, const float *bias, long rows, long k, long n0, long n1, int accumulate) {
    if (rows <= 0 || n1 <= n0) return;
#if DNT_X86
    if (k > 0 && dnt_gemm_available() &&
        gemm_avx512(x, ldx, x_transposed, w, ldw, transposed, out, ldout, bias, rows, k, n0, n1, accumulate))
        return;
#endif
    gemm_reference(x, ldx, x_transposed, w, ldw, transposed, out, ldout, bias, rows, k, n0, n1, accumulate);
}

void dnt_gemm_xwt(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, const float *bias,
                  long rows, long k, long n0, long n1, int accumulate) {
    gemm(x, ldx, 0, w, ldw, 1, out, ldout, bias, rows, k, n0, n1, accumulate);
}

void dnt_gemm_xw(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, long rows, long k,
                 long n0, long n1, int accumulate) {
    gemm(x, ldx, 0, w, ldw, 0, out, ldout, NULL, rows, k, n0, n1, accumulate);
}

void dnt_gemm_xtw(const float *x, long ldx, const float *w, long ldw, float *out, long ldout, long rows, long k,
                  long n0, long n1, int accumulate) {
    gemm(x, ldx, 1, w, ldw, 0, out, ldout, NULL, rows, k, n0, n1, accumulate);
}
