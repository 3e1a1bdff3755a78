// LoRA's row work, written once over a vector type and included by kernels.c for each width:
// before including, define VEC (a GCC vector of VW floats), VW, LDV/STV (unaligned load and store),
// HSUMV (the sum of a vector's lanes), SPLATV (a float in every lane) and LORA_FN(name) (the name
// of this width's copy of a function); the file undefines them at its end. No include guard, on
// purpose.
//
// Small dense pieces with explicit vectors and several independent accumulators, so that they run
// at the speed of their loads rather than the latency of one chain of adds.

// y[j] = scale · Σ_k v[k]·m[j·width + k] for j < r: r dot products of v with the rows of m.
DNT_INLINE void LORA_FN(row_dots)(float *y, const float *v, const float *m, long r, long width, float scale) {
    long j = 0;
    for (; j + 4 <= r; j += 4) {
        const float *m0 = m + j * width, *m1 = m0 + width, *m2 = m1 + width, *m3 = m2 + width;
        VEC a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        long k = 0;
        for (; k + VW <= width; k += VW) {
            VEC x = LDV(v + k);
            a0 += x * LDV(m0 + k); a1 += x * LDV(m1 + k); a2 += x * LDV(m2 + k); a3 += x * LDV(m3 + k);
        }
        float s0 = HSUMV(a0), s1 = HSUMV(a1), s2 = HSUMV(a2), s3 = HSUMV(a3);
        for (; k < width; k++) { s0 += v[k] * m0[k]; s1 += v[k] * m1[k]; s2 += v[k] * m2[k]; s3 += v[k] * m3[k]; }
        y[j] = scale * s0; y[j + 1] = scale * s1; y[j + 2] = scale * s2; y[j + 3] = scale * s3;
    }
    for (; j < r; j++) {
        const float *mj = m + j * width;
        VEC a0 = {0};
        long k = 0;
        for (; k + VW <= width; k += VW) a0 += LDV(v + k) * LDV(mj + k);
        float s0 = HSUMV(a0);
        for (; k < width; k++) s0 += v[k] * mj[k];
        y[j] = scale * s0;
    }
}

// out[k] += scale · (Σ_j c[j]·m[j·ldm + k]) · mask[k] for k < width (mask NULL: no mask).
DNT_INLINE void LORA_FN(row_combine)(float *out, const float *c, const float *m, long r, long width, float scale,
                            const float *mask, long ldm) {
    long k = 0;
    for (; k + 4 * VW <= width; k += 4 * VW) {
        VEC a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (long j = 0; j < r; j++) {
            VEC cj = SPLATV(c[j]);
            const float *mj = m + j * ldm + k;
            a0 += cj * LDV(mj); a1 += cj * LDV(mj + VW); a2 += cj * LDV(mj + 2 * VW); a3 += cj * LDV(mj + 3 * VW);
        }
        if (mask) {
            a0 *= LDV(mask + k); a1 *= LDV(mask + k + VW); a2 *= LDV(mask + k + 2 * VW); a3 *= LDV(mask + k + 3 * VW);
        }
        VEC sc = SPLATV(scale);
        STV(out + k, LDV(out + k) + sc * a0);
        STV(out + k + VW, LDV(out + k + VW) + sc * a1);
        STV(out + k + 2 * VW, LDV(out + k + 2 * VW) + sc * a2);
        STV(out + k + 3 * VW, LDV(out + k + 3 * VW) + sc * a3);
    }
    for (; k + VW <= width; k += VW) {
        VEC a0 = {0};
        for (long j = 0; j < r; j++) a0 += SPLATV(c[j]) * LDV(m + j * ldm + k);
        if (mask) a0 *= LDV(mask + k);
        STV(out + k, LDV(out + k) + SPLATV(scale) * a0);
    }
    for (; k < width; k++) {
        float a0 = 0.0f;
        for (long j = 0; j < r; j++) a0 += c[j] * m[j * ldm + k];
        out[k] += scale * a0 * (mask ? mask[k] : 1.0f);
    }
}

// acc[j·width + k] = Σ_row c[row·r + j] · v[row·ldv + k] for j < r, k < width (overwritten): the
// product cᵀ·v of a block of rows, with 4 × 2 vectors of accumulators held in registers across the rows.
DNT_INLINE void LORA_FN(block_outer)(float *acc, const float *c, const float *v, long ldv, long rows, long r, long width) {
    long j0 = 0;
#if VW == 16
    // With 32 vector registers (AVX-512) and whole pairs of vectors across, eight j at a time: each
    // loaded pair of v vectors feeds 16 accumulators. Every sum runs over the rows as below.
    for (; j0 + 8 <= r && width % (2 * VW) == 0; j0 += 8) {
        for (long k = 0; k < width; k += 2 * VW) {
            VEC s[8][2];
            for (int j = 0; j < 8; j++) { s[j][0] = (VEC){0}; s[j][1] = (VEC){0}; }
            for (long row = 0; row < rows; row++) {
                const float *vr = v + row * ldv + k, *cr = c + row * r + j0;
                VEC v0 = LDV(vr), v1 = LDV(vr + VW);
                for (int j = 0; j < 8; j++) {
                    VEC cj = SPLATV(cr[j]);
                    s[j][0] += cj * v0; s[j][1] += cj * v1;
                }
            }
            for (int j = 0; j < 8; j++) {
                STV(acc + (j0 + j) * width + k, s[j][0]);
                STV(acc + (j0 + j) * width + k + VW, s[j][1]);
            }
        }
    }
#endif
    for (; j0 + 4 <= r; j0 += 4) {
        long k = 0;
        for (; k + 2 * VW <= width; k += 2 * VW) {
            VEC a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0};
            for (long row = 0; row < rows; row++) {
                const float *vr = v + row * ldv + k, *cr = c + row * r + j0;
                VEC v0 = LDV(vr), v1 = LDV(vr + VW);
                VEC c0 = SPLATV(cr[0]), c1 = SPLATV(cr[1]), c2 = SPLATV(cr[2]), c3 = SPLATV(cr[3]);
                a00 += c0 * v0; a01 += c0 * v1; a10 += c1 * v0; a11 += c1 * v1;
                a20 += c2 * v0; a21 += c2 * v1; a30 += c3 * v0; a31 += c3 * v1;
            }
            float *o = acc + j0 * width + k;
            STV(o, a00); STV(o + VW, a01);
            STV(o + width, a10); STV(o + width + VW, a11);
            STV(o + 2 * width, a20); STV(o + 2 * width + VW, a21);
            STV(o + 3 * width, a30); STV(o + 3 * width + VW, a31);
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

// row_dots for two rows at once (y0 from v0, y1 from v1), sharing the loads of m: each result is
// summed in the same order as row_dots would, so the two agree bit for bit.
DNT_INLINE void LORA_FN(row_dots2)(float *y0, float *y1, const float *v0, const float *v1, const float *m, long r,
                                   long width, float scale) {
    long j = 0;
    for (; j + 4 <= r; j += 4) {
        const float *m0 = m + j * width, *m1 = m0 + width, *m2 = m1 + width, *m3 = m2 + width;
        VEC a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        long k = 0;
        for (; k + VW <= width; k += VW) {
            VEC x = LDV(v0 + k), z = LDV(v1 + k);
            VEC w0 = LDV(m0 + k), w1 = LDV(m1 + k), w2 = LDV(m2 + k), w3 = LDV(m3 + k);
            a0 += x * w0; a1 += x * w1; a2 += x * w2; a3 += x * w3;
            b0 += z * w0; b1 += z * w1; b2 += z * w2; b3 += z * w3;
        }
        float s0 = HSUMV(a0), s1 = HSUMV(a1), s2 = HSUMV(a2), s3 = HSUMV(a3);
        float t0 = HSUMV(b0), t1 = HSUMV(b1), t2 = HSUMV(b2), t3 = HSUMV(b3);
        for (; k < width; k++) {
            s0 += v0[k] * m0[k]; s1 += v0[k] * m1[k]; s2 += v0[k] * m2[k]; s3 += v0[k] * m3[k];
            t0 += v1[k] * m0[k]; t1 += v1[k] * m1[k]; t2 += v1[k] * m2[k]; t3 += v1[k] * m3[k];
        }
        y0[j] = scale * s0; y0[j + 1] = scale * s1; y0[j + 2] = scale * s2; y0[j + 3] = scale * s3;
        y1[j] = scale * t0; y1[j + 1] = scale * t1; y1[j + 2] = scale * t2; y1[j + 3] = scale * t3;
    }
    if (j < r) {
        LORA_FN(row_dots)(y0 + j, v0, m + j * width, r - j, width, scale);
        LORA_FN(row_dots)(y1 + j, v1, m + j * width, r - j, width, scale);
    }
}

// row_combine for two rows at once, sharing the loads of m; bit for bit as row_combine.
DNT_INLINE void LORA_FN(row_combine2)(float *out0, float *out1, const float *c0, const float *c1, const float *m,
                                      long r, long width, float scale, const float *mask0, const float *mask1) {
    long k = 0;
    for (; k + 2 * VW <= width; k += 2 * VW) {
        VEC a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
        for (long j = 0; j < r; j++) {
            VEC p = SPLATV(c0[j]), q = SPLATV(c1[j]);
            const float *mj = m + j * width + k;  // m's rows are `width` long here
            VEC w0 = LDV(mj), w1 = LDV(mj + VW);
            a0 += p * w0; a1 += p * w1;
            b0 += q * w0; b1 += q * w1;
        }
        if (mask0) {
            a0 *= LDV(mask0 + k); a1 *= LDV(mask0 + k + VW);
            b0 *= LDV(mask1 + k); b1 *= LDV(mask1 + k + VW);
        }
        VEC sc = SPLATV(scale);
        STV(out0 + k, LDV(out0 + k) + sc * a0);
        STV(out0 + k + VW, LDV(out0 + k + VW) + sc * a1);
        STV(out1 + k, LDV(out1 + k) + sc * b0);
        STV(out1 + k + VW, LDV(out1 + k + VW) + sc * b1);
    }
    if (k < width) {
        LORA_FN(row_combine)(out0 + k, c0, m + k, r, width - k, scale, mask0 ? mask0 + k : NULL, width);
        LORA_FN(row_combine)(out1 + k, c1, m + k, r, width - k, scale, mask1 ? mask1 + k : NULL, width);
    }
}

// The adapter's input row `row`: with a generator `state`, draws the row's dropout into `scratch`
// (x/(1-p) where kept, 0 where dropped; `in` floats) and returns that; without, returns the row of x.
DNT_INLINE const float *LORA_FN(input_row)(const float *x, long ldx, long row, long in, uint32_t *state, float p,
                                           float *scratch) {
    const float *src = x + row * ldx;
    if (!state) return src;
    dropout_body(state, scratch, src, in, p);
    return scratch;
}

// Forward, in pairs of rows that share the loads of A and Bᵀ (the masks are drawn row after row):
// the input rows (input_row, into the two rows of `scratch`), then u = x·Aᵀ (A [r, in]) and
// out += scaling · u·B (B given as bt [r, out]).
DNT_INLINE void LORA_FN(lora_forward_body)(const float *x, long ldx, long rows, long in, uint32_t *state, float p,
                                  float *scratch, const float *a, const float *bt, long r, float scaling,
                                  float *u, float *out, long ldout, long outFeatures) {
    long row = 0;
    for (; row + 2 <= rows; row += 2) {
        const float *src0 = LORA_FN(input_row)(x, ldx, row, in, state, p, scratch);
        const float *src1 = LORA_FN(input_row)(x, ldx, row + 1, in, state, p, state ? scratch + in : NULL);
        float *u0 = u + row * r, *u1 = u0 + r;
        LORA_FN(row_dots2)(u0, u1, src0, src1, a, r, in, 1.0f);
        LORA_FN(row_combine2)(out + row * ldout, out + (row + 1) * ldout, u0, u1, bt, r, outFeatures, scaling,
                              NULL, NULL);
    }
    for (; row < rows; row++) {
        float *ur = u + row * r;
        LORA_FN(row_dots)(ur, LORA_FN(input_row)(x, ldx, row, in, state, p, scratch), a, r, in, 1.0f);
        LORA_FN(row_combine)(out + row * ldout, ur, bt, r, outFeatures, scaling, NULL, outFeatures);
    }
}

// Backward for a block of rows: du = scaling · dout·B (into `du`), the block's share of
// dBᵀ = scaling · uᵀ·dout (into `dbt` [r, out]) and of dA = duᵀ·xd (into `da` [r, in]), both
// overwritten; with `dinp`, dinp += (du·A) ⊙ mask. `x` is the adapter's input. With a generator
// `state` (the one the forward pass started this block from) the block's masks are drawn again,
// row after row as the forward did, into `scratch` (`2 · rows · in` floats: the masks, then the
// dropped rows xd, equal bit for bit to the forward's); without, mask = 1 and xd = x.
DNT_INLINE void LORA_FN(lora_backward_body)(const float *dout, long ldout, long rows, long outFeatures, const float *bt,
                                   long r, float scaling, const float *u, const float *x, long ldx, long in,
                                   const float *a, uint32_t *state, float p, float *scratch, float *dinp, long ldinp,
                                   float *du, float *dbt, float *da) {
    const float *mask = NULL;
    if (state) {
        float *m = scratch, *xd = scratch + rows * in;
        for (long row = 0; row < rows; row++) {
            float *mr = m + row * in, *dr = xd + row * in;
            const float *src = x + row * ldx;
            dropout_body(state, mr, NULL, in, p);
            // As dropout_body(state, dr, src, in, p) would write: src·(1/(1-p)) where kept, +0 where not.
            for (long k = 0; k < in; k++) dr[k] = mr[k] != 0.0f ? src[k] * mr[k] : 0.0f;
        }
        mask = m; x = xd; ldx = in;
    }
    long row = 0;
    for (; row + 2 <= rows; row += 2) {  // in pairs, sharing the loads of Bᵀ and A
        float *du0 = du + row * r, *du1 = du0 + r;
        LORA_FN(row_dots2)(du0, du1, dout + row * ldout, dout + (row + 1) * ldout, bt, r, outFeatures, scaling);
        if (dinp) {
            LORA_FN(row_combine2)(dinp + row * ldinp, dinp + (row + 1) * ldinp, du0, du1, a, r, in, 1.0f,
                                  mask ? mask + row * in : NULL, mask ? mask + (row + 1) * in : NULL);
        }
    }
    for (; row < rows; row++) {
        float *dur = du + row * r;
        LORA_FN(row_dots)(dur, dout + row * ldout, bt, r, outFeatures, scaling);
        if (dinp) LORA_FN(row_combine)(dinp + row * ldinp, dur, a, r, in, 1.0f, mask ? mask + row * in : NULL, in);
    }
    LORA_FN(block_outer)(dbt, u, dout, ldout, rows, r, outFeatures);
    for (long i = 0; i < r * outFeatures; i++) dbt[i] *= scaling;
    LORA_FN(block_outer)(da, du, x, ldx, rows, r, in);
}

#undef VEC
#undef VW
#undef LDV
#undef STV
#undef HSUMV
#undef SPLATV
#undef LORA_FN
