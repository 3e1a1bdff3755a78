// The instruction-set attributes shared by kernels.c and gemm.c (private to CKernels).
#ifndef DNATUNE_CKERNELS_TARGETS_H
#define DNATUNE_CKERNELS_TARGETS_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define DNT_X86 1
#define DNT_AVX2 __attribute__((target("avx2,fma")))
#define DNT_AVX512 __attribute__((target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")))
#else
#define DNT_X86 0
#endif

#endif
