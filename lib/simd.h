/* SPDX-License-Identifier: MIT */
/* dacguard: four-lane float vectors for the real-time DSP (lib/guard.c, lib/separation.c).
 * GCC/clang vector extensions, with SSE or NEON intrinsics where the generic form does not
 * compile to one instruction. All static inline: the DSP loops see through them. */
#pragma once

#include <stdint.h>
#include <string.h>

/* DG_SIMD_PORTABLE selects the plain-C path on any machine, so that its tests run on
 * the build machine too. */
#if defined(__SSE__) && !defined(DG_SIMD_PORTABLE)
#define DG_USE_SSE
#include <xmmintrin.h>
typedef __m128 dg_native_v4;
#define DG_NATIVE_MAX _mm_max_ps
#define DG_NATIVE_MIN _mm_min_ps
#elif defined(__ARM_NEON) && !defined(DG_SIMD_PORTABLE)
#define DG_USE_NEON
#include <arm_neon.h>
typedef float32x4_t dg_native_v4;
#define DG_NATIVE_MAX vmaxq_f32
#define DG_NATIVE_MIN vminq_f32
#endif

typedef float dg_v4 __attribute__((vector_size(16)));
typedef int32_t dg_v4i __attribute__((vector_size(16)));

/* Unaligned loads and stores: memcpy compiles to one movups / ldr q. */
static inline dg_v4 dg_ld(const float *p)
{
	dg_v4 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void dg_st(float *p, dg_v4 v)
{
	memcpy(p, &v, sizeof(v));
}

/* The bit patterns of four floats. */
static inline dg_v4i dg_ldi(const float *p)
{
	dg_v4i v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline dg_v4i dg_maxi(dg_v4i a, dg_v4i b)
{
	dg_v4i m = a > b;
	return (a & m) | (b & ~m);
}

static inline int32_t dg_hmaxi(dg_v4i a)
{
	int32_t r = a[0];
	for (int k = 1; k < 4; k++)
		r = a[k] > r ? a[k] : r;
	return r;
}

/* Lane-wise max and min (exact for non-NaN lanes; NaN is caught by dg_unord), and a
 * mask of lanes where a or b is NaN. One instruction each on SSE and NEON; gcc does
 * not turn the generic blend into maxps by itself. */
#ifdef DG_NATIVE_MAX
static inline dg_v4 dg_vmax(dg_v4 a, dg_v4 b)
{
	return (dg_v4) DG_NATIVE_MAX((dg_native_v4) a, (dg_native_v4) b);
}

static inline dg_v4 dg_vmin(dg_v4 a, dg_v4 b)
{
	return (dg_v4) DG_NATIVE_MIN((dg_native_v4) a, (dg_native_v4) b);
}
#else
/* m ? a : b, lane-wise. */
static inline dg_v4 dg_blend(dg_v4i m, dg_v4 a, dg_v4 b)
{
	dg_v4i ai, bi;
	memcpy(&ai, &a, sizeof(ai));
	memcpy(&bi, &b, sizeof(bi));
	ai = (ai & m) | (bi & ~m);
	memcpy(&a, &ai, sizeof(a));
	return a;
}

static inline dg_v4 dg_vmax(dg_v4 a, dg_v4 b)
{
	return dg_blend(a > b, a, b);
}

static inline dg_v4 dg_vmin(dg_v4 a, dg_v4 b)
{
	return dg_blend(a < b, a, b);
}
#endif

static inline dg_v4i dg_unord(dg_v4 a, dg_v4 b)
{
#ifdef DG_USE_SSE
	return (dg_v4i) _mm_cmpunord_ps((__m128) a, (__m128) b);
#else
	return (a != a) | (b != b);
#endif
}
