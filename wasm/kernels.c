// bnlenet's WebAssembly SIMD kernels: convolutions and per-channel reductions of LeNet-BN's
// training step, working in place on tensors in TensorFlow.js's wasm memory.
//
// The module imports tfjs-backend-wasm's memory, so every pointer here is an offset into the
// heap where tfjs keeps its tensors. It has no data segments and uses no stack: its own
// globals would land on tfjs's data, so the linker puts the stack pointer at 0 and any stack
// use would trap instead of writing there (the loader checks the module has no data).
//
// Each exported kernel does one "chunk" of a job, given by its last argument; the caller
// (src/engine/simd/) hands the chunks of a job to the threads that share the memory. Which
// thread does which chunk does not change any result: a chunk writes only its own outputs
// (images, rows, or its own partial sums), the chunks of a job depend only on the shapes,
// and partial sums are added in chunk order. Floating-point sums run in one fixed order.
//
// Layouts are TensorFlow.js's: NHWC images, filters [KH, KW, Ci, Co]. Channel vectors are
// padded to a multiple of 4 (Co4) in the packed filters and partial sums the JS side prepares.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) void name
#define INLINE static inline __attribute__((always_inline))

// Register blocks: kernels below keep up to 4 x 4 accumulators a<p><g> (p: a pixel, a filter
// column or an input channel; g: an output vector) as plain variables, written out by these
// macros and guarded by the block sizes, which are constants once a kernel is inlined into
// its caller: arrays would live on the stack, which this module does not have.
#define EACH4(X, p) X(p, 0) X(p, 1) X(p, 2) X(p, 3)
#define EACH16(X) EACH4(X, 0) EACH4(X, 1) EACH4(X, 2) EACH4(X, 3)

typedef v128_t vec;

INLINE vec zero(void) { return wasm_f32x4_splat(0.0f); }
INLINE vec load(const float* p) { return wasm_v128_load(p); }
INLINE vec splat(const float* p) { return wasm_v128_load32_splat(p); }
INLINE vec madd(vec acc, vec a, vec b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }

// The first `lanes` (1..4) floats at p, the other lanes zero: never reads past them.
INLINE vec load_part(const float* p, int lanes) {
  switch (lanes) {
    case 4: return wasm_v128_load(p);
    case 3: return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
    case 2: return wasm_v128_load64_zero(p);
    default: return wasm_v128_load32_zero(p);
  }
}

// Stores the first `lanes` (1..4) lanes of v at p: never writes past them.
INLINE void store_part(float* p, vec v, int lanes) {
  switch (lanes) {
    case 4: wasm_v128_store(p, v); break;
    case 3: wasm_v128_store64_lane(p, v, 0); wasm_v128_store32_lane(p + 2, v, 2); break;
    case 2: wasm_v128_store64_lane(p, v, 0); break;
    default: wasm_v128_store32_lane(p, v, 0); break;
  }
}

INLINE int min_i(int a, int b) { return a < b ? a : b; }
INLINE int max_i(int a, int b) { return a > b ? a : b; }

// ---------------------------------------------------------------------------------------
// Convolution, stride 1, implicit zero padding:
//   y[n,oh,ow,co] = bias[co] + sum over kh,kw,ci of x[n, oh+kh-pt, ow+kw-pl, ci] * w[kh,kw,ci,co]
// wp: the filter packed as [KH*KW*Ci][Co4] with zero padding; bias: [Co4] (zeros for none).
// The input gradient of a stride-1 convolution is this same function of the output gradient
// (padded by K-1-pad) with the filter flipped and its channel axes swapped.
//
// Output channels go in groups of up to 4 vectors (16 channels), G vectors at a time, for PB
// neighbouring output pixels at once; each output value sums its taps in the order kh, kw, ci.

typedef struct {
  const float* x;     // image n of the input: [H][W][Ci]
  const float* wp;
  const float* bias;
  float* y;           // row oh of image n of the output: [OW][Co]
  int W, Ci, Co, Co4, KW;
  int kh0, kh1;       // the filter rows that fall inside the input for this output row
  int ih0;            // input row of filter row 0 (oh - pt)
  int pl;
} ConvRow;

// Output pixels ow .. ow+PB-1, channels cg .. cg+4G-1; filter columns kw0..kw1 (the ones
// inside the input for these pixels: the caller only blocks pixels that share them).
INLINE void conv_pixels(const ConvRow* r, int ow, int cg, int kw0, int kw1, const int G, const int PB) {
  const float* bias = r->bias + cg;
#define INIT(p, g) vec a##p##g = p < PB && g < G ? load(bias + 4 * g) : zero();
  EACH16(INIT)
#undef INIT
  const int Ci = r->Ci;
  for (int kh = r->kh0; kh < r->kh1; kh++) {
    const float* xrow = r->x + (r->ih0 + kh) * r->W * Ci;
    for (int kw = kw0; kw < kw1; kw++) {
      const float* xs = xrow + (ow + kw - r->pl) * Ci;
      const float* ws = r->wp + ((kh * r->KW + kw) * Ci) * r->Co4 + cg;
      for (int ci = 0; ci < Ci; ci++, xs++, ws += r->Co4) {
        vec w0 = load(ws);
        vec w1 = G > 1 ? load(ws + 4) : zero();
        vec w2 = G > 2 ? load(ws + 8) : zero();
        vec w3 = G > 3 ? load(ws + 12) : zero();
        vec x0 = splat(xs);
        vec x1 = PB > 1 ? splat(xs + Ci) : zero();
        vec x2 = PB > 2 ? splat(xs + 2 * Ci) : zero();
        vec x3 = PB > 3 ? splat(xs + 3 * Ci) : zero();
#define MAC(p, g) if (p < PB && g < G) a##p##g = madd(a##p##g, x##p, w##g);
        EACH16(MAC)
#undef MAC
      }
    }
  }
  float* out = r->y + ow * r->Co + cg;
  int Co = r->Co - cg;  // channels from cg on
#define STORE(p, g) if (p < PB && g < G) store_part(out + p * r->Co + 4 * g, a##p##g, min_i(4, Co - 4 * g));
  EACH16(STORE)
#undef STORE
}

// The output pixels of one row and one channel group: blocks of PB where every filter column
// is inside the input, single pixels (with their own filter columns) at the borders.
INLINE void conv_row_group(const ConvRow* r, int OW, int cg, const int G, const int PB) {
  // Pixels ow whose filter columns all fall inside: ow - pl >= 0 and ow - pl + KW <= W.
  int inner0 = min_i(max_i(r->pl, 0), OW);
  int inner1 = max_i(min_i(r->W - r->KW + r->pl + 1, OW), inner0);
  int ow = 0;
  for (; ow < inner0; ow++) conv_pixels(r, ow, cg, max_i(0, r->pl - ow), min_i(r->KW, r->W + r->pl - ow), G, 1);
  for (; ow + PB <= inner1; ow += PB) conv_pixels(r, ow, cg, 0, r->KW, G, PB);
  for (; ow < inner1; ow++) conv_pixels(r, ow, cg, 0, r->KW, G, 1);
  for (; ow < OW; ow++) conv_pixels(r, ow, cg, max_i(0, r->pl - ow), min_i(r->KW, r->W + r->pl - ow), G, 1);
}

// Images [chunk*per, chunk*per + per) of the convolution above.
EXPORT(conv2d)(const float* x, const float* wp, const float* bias, float* y, int N, int H, int W, int Ci,
               int OH, int OW, int Co, int KH, int KW, int pt, int pl, int per, int chunk) {
  int Co4 = (Co + 3) & ~3;
  int n1 = min_i(N, (chunk + 1) * per);
  for (int n = chunk * per; n < n1; n++) {
    for (int oh = 0; oh < OH; oh++) {
      ConvRow r = {
        .x = x + n * H * W * Ci, .wp = wp, .bias = bias, .y = y + (n * OH + oh) * OW * Co,
        .W = W, .Ci = Ci, .Co = Co, .Co4 = Co4, .KW = KW,
        .kh0 = max_i(0, pt - oh), .kh1 = min_i(KH, H + pt - oh), .ih0 = oh - pt, .pl = pl,
      };
      for (int cg = 0; cg < Co4; cg += 16) {
        switch (min_i(4, (Co4 - cg) / 4)) {
          case 4: conv_row_group(&r, OW, cg, 4, 2); break;
          case 3: conv_row_group(&r, OW, cg, 3, 2); break;
          case 2: conv_row_group(&r, OW, cg, 2, 4); break;
          default: conv_row_group(&r, OW, cg, 1, 4); break;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Filter gradient of a stride-1 convolution without padding, for the images of one chunk:
//   part[kh,kw,ci,co] = sum over n in the chunk, oh, ow of x[n, oh+kh, ow+kw, ci] * dy[n,oh,ow,co]
// into this chunk's partial sum [KH*KW*Ci][Co4]; sum_partials adds the chunks in order.
// Each value sums over n, oh, ow in that order. KWB filter columns x CIB input channels x G
// output vectors are accumulated at once (all share the loads of dy and of x).

typedef struct {
  const float* x;
  const float* dy;
  float* part;
  int H, W, Ci, OH, OW, Co, Co4, KW;
  int n0, n1;
} FilterGrad;

// The accumulators a<p><g>: p = b * CIB + i for filter column b and input channel i of the
// block (KWB * CIB <= 4).
INLINE void filter_grad_block(const FilterGrad* f, int kh, int kw, int ci, int cg, const int KWB, const int CIB, const int G) {
  const int P = KWB * CIB;
#define INIT(p, g) vec a##p##g = zero();
  EACH16(INIT)
#undef INIT
  const int Ci = f->Ci, Co = f->Co;
  int tail = min_i(4, Co - cg - 4 * (G - 1));  // lanes of the last vector that are channels
  for (int n = f->n0; n < f->n1; n++) {
    for (int oh = 0; oh < f->OH; oh++) {
      const float* xs = f->x + ((n * f->H + oh + kh) * f->W + kw) * Ci + ci;
      const float* ds = f->dy + (n * f->OH + oh) * f->OW * Co + cg;
      for (int ow = 0; ow < f->OW; ow++, xs += Ci, ds += Co) {
        const float* last = ds + 4 * (G - 1);
        vec d3 = G > 3 ? (tail == 4 ? load(last) : load_part(last, tail)) : zero();
        vec d2 = G > 3 ? load(ds + 8) : G == 3 ? (tail == 4 ? load(last) : load_part(last, tail)) : zero();
        vec d1 = G > 2 ? load(ds + 4) : G == 2 ? (tail == 4 ? load(last) : load_part(last, tail)) : zero();
        vec d0 = G > 1 ? load(ds) : (tail == 4 ? load(last) : load_part(last, tail));
        vec x0 = splat(xs);
        vec x1 = P > 1 ? splat(xs + (CIB == 1 ? Ci : 1)) : zero();
        vec x2 = P > 2 ? splat(xs + (CIB == 1 ? 2 * Ci : Ci)) : zero();
        vec x3 = P > 3 ? splat(xs + (CIB == 1 ? 3 * Ci : Ci + 1)) : zero();
#define MAC(p, g) if (p < P && g < G) a##p##g = madd(a##p##g, x##p, d##g);
        EACH16(MAC)
#undef MAC
      }
    }
  }
  // Block row p is filter column kw + p / CIB, input channel ci + p % CIB.
  float* out = f->part + ((kh * f->KW + kw) * Ci + ci) * f->Co4 + cg;
#define STORE(p, g) if (p < P && g < G) wasm_v128_store(out + ((p / CIB) * Ci + p % CIB) * f->Co4 + 4 * g, a##p##g);
  EACH16(STORE)
#undef STORE
}

// Blocks of filter columns and input channels for one group of G output vectors.
INLINE void filter_grad_group(const FilterGrad* f, int kh, int cg, const int G, const int KWB, const int CIB) {
  for (int kw = 0; kw < f->KW;) {
    int kwb = f->KW - kw >= KWB ? KWB : 1;
    for (int ci = 0; ci < f->Ci;) {
      int cib = f->Ci - ci >= CIB ? CIB : 1;
      if (kwb == KWB && cib == CIB) filter_grad_block(f, kh, kw, ci, cg, KWB, CIB, G);
      else if (kwb == KWB) filter_grad_block(f, kh, kw, ci, cg, KWB, 1, G);
      else if (cib == CIB) filter_grad_block(f, kh, kw, ci, cg, 1, CIB, G);
      else filter_grad_block(f, kh, kw, ci, cg, 1, 1, G);
      ci += cib;
    }
    kw += kwb;
  }
}

EXPORT(conv2d_filter_grad)(const float* x, const float* dy, float* partials, int N, int H, int W, int Ci,
                           int OH, int OW, int Co, int KH, int KW, int per, int chunk) {
  int Co4 = (Co + 3) & ~3;
  FilterGrad f = {
    .x = x, .dy = dy, .part = partials + chunk * KH * KW * Ci * Co4,
    .H = H, .W = W, .Ci = Ci, .OH = OH, .OW = OW, .Co = Co, .Co4 = Co4, .KW = KW,
    .n0 = chunk * per, .n1 = min_i(N, (chunk + 1) * per),
  };
  for (int kh = 0; kh < KH; kh++) {
    for (int cg = 0; cg < Co4; cg += 16) {
      switch (min_i(4, (Co4 - cg) / 4)) {
        case 4: filter_grad_group(&f, kh, cg, 4, 1, 2); break;
        case 3: filter_grad_group(&f, kh, cg, 3, 1, 2); break;
        case 2: filter_grad_group(&f, kh, cg, 2, 4, 1); break;
        default: filter_grad_group(&f, kh, cg, 1, 2, 2); break;
      }
    }
  }
}

// out[r][c] = sum over k = 0..parts-1, in that order, of partials[k][r][c] (rows of Co4 floats),
// for c < Co and the rows [chunk*per, chunk*per + per) of `rows`.
EXPORT(sum_partials)(const float* partials, float* out, int parts, int rows, int Co, int per, int chunk) {
  int Co4 = (Co + 3) & ~3;
  int r1 = min_i(rows, (chunk + 1) * per);
  for (int r = chunk * per; r < r1; r++) {
    for (int c = 0; c < Co4; c += 4) {
      const float* p = partials + r * Co4 + c;
      vec s = load(p);
      for (int k = 1; k < parts; k++) s = wasm_f32x4_add(s, load(p + k * rows * Co4));
      store_part(out + r * Co + c, s, min_i(4, Co - c));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Per-channel sums of channels-last data, seen as groups of L floats (L = a multiple of 4 and
// of the channel count C, so lane j of every group is channel j % C). For the groups
// [chunk*per, chunk*per + per) of `groups`, into this chunk's L partial sums (2L for the
// gradient pair), each lane summed over the chunk's groups in order, even and odd groups
// apart, added at the end:
//   kind 0: sum x          kind 1: sum (x - center)^2
//   kind 2: sum dy, and sum dy (x - center)   (dy after x's groups; partials [sum dy | sum dy (x - c)])
// center: L floats, the channel centres repeated. The caller adds the lanes of each channel
// and the chunks, in order, in float64.

INLINE vec term(int kind, vec xv, vec cv) {
  if (kind == 1) {
    vec d = wasm_f32x4_sub(xv, cv);
    return wasm_f32x4_mul(d, d);
  }
  return xv;
}

// L = 4V floats per group, V <= 4: the sums stay in registers (s: even groups, t: odd
// groups; for the gradient u, v likewise for sum dy (x - c)).
INLINE void column_sums_small(const float* x, const float* dy, const float* center, float* part, int g0, int g1, const int kind, const int V) {
  const int L = 4 * V;
#define DECL(p, v) vec c##v = kind && v < V ? load(center + 4 * v) : zero(); vec s##v = zero(), t##v = zero(), u##v = zero(), w##v = zero();
  EACH4(DECL, 0)
#undef DECL
  int g = g0;
  for (; g + 1 < g1; g += 2) {
    const float* a = x + g * L;
    const float* d = dy + g * L;
#define STEP(p, v) \
    if (v < V) { \
      if (kind == 2) { \
        vec da = load(d + 4 * v), db = load(d + L + 4 * v); \
        s##v = wasm_f32x4_add(s##v, da); \
        t##v = wasm_f32x4_add(t##v, db); \
        u##v = madd(u##v, da, wasm_f32x4_sub(load(a + 4 * v), c##v)); \
        w##v = madd(w##v, db, wasm_f32x4_sub(load(a + L + 4 * v), c##v)); \
      } else { \
        s##v = wasm_f32x4_add(s##v, term(kind, load(a + 4 * v), c##v)); \
        t##v = wasm_f32x4_add(t##v, term(kind, load(a + L + 4 * v), c##v)); \
      } \
    }
    EACH4(STEP, 0)
#undef STEP
  }
  if (g < g1) {
    const float* a = x + g * L;
    const float* d = dy + g * L;
#define LAST(p, v) \
    if (v < V) { \
      if (kind == 2) { \
        vec da = load(d + 4 * v); \
        s##v = wasm_f32x4_add(s##v, da); \
        u##v = madd(u##v, da, wasm_f32x4_sub(load(a + 4 * v), c##v)); \
      } else { \
        s##v = wasm_f32x4_add(s##v, term(kind, load(a + 4 * v), c##v)); \
      } \
    }
    EACH4(LAST, 0)
#undef LAST
  }
#define STORE(p, v) \
  if (v < V) { \
    wasm_v128_store(part + 4 * v, wasm_f32x4_add(s##v, t##v)); \
    if (kind == 2) wasm_v128_store(part + L + 4 * v, wasm_f32x4_add(u##v, w##v)); \
  }
  EACH4(STORE, 0)
#undef STORE
}

// Any L: the sums live in the partial-sum memory (even groups) and after it (odd groups,
// `spare`, 2L floats more), one group at a time.
INLINE void column_sums_wide(const float* x, const float* dy, const float* center, float* part, float* spare, int L, int g0, int g1, const int kind) {
  int width = kind == 2 ? 2 * L : L;
  for (int j = 0; j < width; j += 4) {
    wasm_v128_store(part + j, zero());
    wasm_v128_store(spare + j, zero());
  }
  for (int g = g0; g < g1; g++) {
    float* s = (g - g0) & 1 ? spare : part;
    const float* a = x + g * L;
    for (int j = 0; j < L; j += 4) {
      vec cv = kind ? load(center + j) : zero();
      if (kind == 2) {
        vec d = load(dy + g * L + j);
        wasm_v128_store(s + j, wasm_f32x4_add(load(s + j), d));
        wasm_v128_store(s + L + j, madd(load(s + L + j), d, wasm_f32x4_sub(load(a + j), cv)));
      } else {
        wasm_v128_store(s + j, wasm_f32x4_add(load(s + j), term(kind, load(a + j), cv)));
      }
    }
  }
  for (int j = 0; j < width; j += 4) wasm_v128_store(part + j, wasm_f32x4_add(load(part + j), load(spare + j)));
}

// partials: per chunk, `stride` floats (2L, or 4L for kind 2: the sums, then room for the
// odd groups' sums of the wide case).
EXPORT(column_sums)(const float* x, const float* dy, const float* center, float* partials, int kind, int L,
                    int groups, int per, int chunk) {
  int g0 = chunk * per, g1 = min_i(groups, g0 + per);
  int width = kind == 2 ? 2 * L : L;
  float* part = partials + chunk * 2 * width;
  if (L > 16) {
    if (kind == 0) column_sums_wide(x, dy, center, part, part + width, L, g0, g1, 0);
    else if (kind == 1) column_sums_wide(x, dy, center, part, part + width, L, g0, g1, 1);
    else column_sums_wide(x, dy, center, part, part + width, L, g0, g1, 2);
    return;
  }
#define SMALL(K) \
  switch (L / 4) { \
    case 1: column_sums_small(x, dy, center, part, g0, g1, K, 1); break; \
    case 2: column_sums_small(x, dy, center, part, g0, g1, K, 2); break; \
    case 3: column_sums_small(x, dy, center, part, g0, g1, K, 3); break; \
    default: column_sums_small(x, dy, center, part, g0, g1, K, 4); break; \
  }
  if (kind == 0) SMALL(0)
  else if (kind == 1) SMALL(1)
  else SMALL(2)
#undef SMALL
}

// ---------------------------------------------------------------------------------------
// Per-channel affine maps of channels-last data, groups of L floats as above, for the groups
// [chunk*per, chunk*per + per) of `groups`; pattern: L floats per coefficient, the channel
// values repeated (m, k, b, then a).
//   kind 0: y = (x - m) k + b                 batch norm, forward
//   kind 1: y = dy k + (x - m) b + a          batch norm, input gradient

INLINE void channel_affine_group(const float* x, const float* dy, const float* pattern, float* y, int L, int g, const int kind) {
  const float* xs = x + g * L;
  float* out = y + g * L;
  for (int j = 0; j < L; j += 4) {
    vec m = load(pattern + j), k = load(pattern + L + j), b = load(pattern + 2 * L + j);
    vec centered = wasm_f32x4_sub(load(xs + j), m);
    if (kind == 0) {
      wasm_v128_store(out + j, madd(b, centered, k));
    } else {
      vec v = madd(load(pattern + 3 * L + j), centered, b);
      wasm_v128_store(out + j, madd(v, load(dy + g * L + j), k));
    }
  }
}

EXPORT(channel_affine)(const float* x, const float* dy, const float* pattern, float* y, int kind, int L, int groups, int per, int chunk) {
  int g1 = min_i(groups, (chunk + 1) * per);
  for (int g = chunk * per; g < g1; g++) {
    if (kind == 0) channel_affine_group(x, dy, pattern, y, L, g, 0);
    else channel_affine_group(x, dy, pattern, y, L, g, 1);
  }
}
