// bnlenet's WebAssembly SIMD kernels: convolutions and per-channel reductions of LeNet-BN's
// training step, working in place on tensors in TensorFlow.js's wasm memory.
//
// The module imports tfjs-backend-wasm's memory, so every pointer here is an offset into the
// heap where tfjs keeps its tensors. It has no data segments and uses no stack: its own
// globals would land on tfjs's data, so the linker puts the stack pointer at 0 and any stack
// use would trap instead of writing there (the loader checks the module has no data).
//
// build.sh compiles this file twice and links the two objects into one module: once with
// FILTER_GRAD_PART defined, for the filter gradient alone, with clang's instruction scheduler
// keeping the source's order (-pre-RA-sched=source: by default clang loads all of a pixel's
// x values first, and with conv1's 5 filter columns the 10 accumulators, 2 dy vectors and 5
// splats overflow the 15 registers V8 gives a wasm function, which then spills accumulators
// every pixel: twice as slow); once without it, for the rest, where clang's own order was as
// fast or faster (5-15% on conv2 and the matrix products).
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
#define EACH24(X) EACH16(X) EACH4(X, 4) EACH4(X, 5)


typedef v128_t vec;

INLINE vec zero(void) { return wasm_f32x4_splat(0.0f); }
INLINE vec load(const float* p) { return wasm_v128_load(p); }
INLINE vec splat(const float* p) { return wasm_v128_load32_splat(p); }
#ifdef RELAXED_SIMD
// acc + a * b as f32x4.relaxed_madd (the relaxed build, wasm/build.sh): one fused multiply-add
// on a CPU with FMA (V8 emits vfmadd231ps), a multiply and an add elsewhere, so its bits
// depend on the CPU; it also needs no temporary register. clang-16 has the builtin but no
// wasm_simd128.h wrapper for it.
INLINE vec madd(vec acc, vec a, vec b) {
  return (vec)__builtin_wasm_relaxed_madd_f32x4((__f32x4)a, (__f32x4)b, (__f32x4)acc);
}
#else
INLINE vec madd(vec acc, vec a, vec b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif

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

// A float passed as its bits (job arguments are 32-bit integers).
INLINE float from_bits(int bits) {
  union { int i; float f; } u = { .i = bits };
  return u.f;
}

INLINE int min_i(int a, int b) { return a < b ? a : b; }
INLINE int max_i(int a, int b) { return a > b ? a : b; }

// The step of every product kernel: a rank-1 update of a block of accumulators,
// acc[p][g] += x[p * stride] * w[4g .. 4g+3] for p < P (<= 6) and g < G (<= 4).
INLINE void rank1_update(vec* acc, const float* x, int stride, const float* w, const int P, const int G) {
  vec w0 = load(w);
  vec w1 = G > 1 ? load(w + 4) : zero();
  vec w2 = G > 2 ? load(w + 8) : zero();
  vec w3 = G > 3 ? load(w + 12) : zero();
#define MAC(p, g) if (p < P && g < G) acc[p * 4 + g] = madd(acc[p * 4 + g], splat(x + p * stride), w##g);
  EACH24(MAC)
#undef MAC
}

#ifndef FILTER_GRAD_PART
// ---------------------------------------------------------------------------------------
// Convolution, stride 1, zero padding pt (top) and pl (left):
//   y[n,oh,ow,co] = bias[co] + sum over kh,kw,ci of x[n, oh+kh-pt, ow+kw-pl, ci] * w[kh,kw,ci,co]
// wp: the filter packed as [KH*KW*Ci][Co4] with zero padding; bias: [Co4] (zeros for none).
// The input gradient of a stride-1 convolution is this same function of the output gradient
// (padded by K-1-pad) with the filter flipped and its channel axes swapped.
//
// Output channels go in groups of up to 4 vectors (16 channels), G vectors at a time, for PB
// neighbouring output pixels at once; each output value sums its taps in the order kh, kw, ci.

typedef struct {
  const float* x;     // the (padded) image: [OH+KH-1][W][Ci], W >= OW+KW-1
  const float* wp;
  const float* bias;
  float* y;           // row oh of the image's output: [OW][Co]
  int W, Ci, Co, Co4, KH, KW, oh;
} ConvRow;

// Output pixels ow .. ow+PB-1 of the row (PB <= 6), channels cg .. cg+4G-1.
INLINE void conv_pixels(const ConvRow* r, int ow, int cg, const int G, const int PB) {
  const float* bias = r->bias + cg;
  vec acc[24];  // [PB][4]; only constant indices, so registers once inlined
#define INIT(p, g) if (p < PB && g < G) acc[p * 4 + g] = load(bias + 4 * g);
  EACH24(INIT)
#undef INIT
  const int Ci = r->Ci;
  // Within a filter row, the taps (kw, ci) are contiguous in both the input row ([W][Ci])
  // and the packed filter: one loop over them.
  const int taps = r->KW * Ci;
  for (int kh = 0; kh < r->KH; kh++) {
    const float* xs = r->x + ((r->oh + kh) * r->W + ow) * Ci;
    const float* ws = r->wp + kh * taps * r->Co4 + cg;
    for (int t = 0; t < taps; t++, xs++, ws += r->Co4) rank1_update(acc, xs, Ci, ws, PB, G);
  }
  float* out = r->y + ow * r->Co + cg;
  int Co = r->Co - cg;  // channels from cg on
#define STORE(p, g) if (p < PB && g < G) store_part(out + p * r->Co + 4 * g, acc[p * 4 + g], min_i(4, Co - 4 * g));
  EACH24(STORE)
#undef STORE
}

// The output pixels of one row and one channel group: blocks of PB, then single pixels.
INLINE void conv_row_group(const ConvRow* r, int OW, int cg, const int G, const int PB) {
  int ow = 0;
  for (; ow + PB <= OW; ow += PB) conv_pixels(r, ow, cg, G, PB);
  for (; ow < OW; ow++) conv_pixels(r, ow, cg, G, 1);
}

// Copies image x [H][W][Ci] into buf [Hp][Wp][Ci] at row pt, column pl, zeros around it.
INLINE void pad_image(const float* x, float* buf, int H, int W, int Ci, int Hp, int Wp, int pt, int pl) {
  int size = Hp * Wp * Ci;
  int i = 0;
  for (; i + 4 <= size; i += 4) wasm_v128_store(buf + i, zero());
  for (; i < size; i++) buf[i] = 0.0f;
  int w0 = max_i(0, -pl), w1 = min_i(W, Wp - pl);
  if (w0 >= w1) return;
  int row = (w1 - w0) * Ci;
  for (int ih = max_i(0, -pt); ih < min_i(H, Hp - pt); ih++) {
    const float* src = x + (ih * W + w0) * Ci;
    float* dst = buf + ((ih + pt) * Wp + w0 + pl) * Ci;
    int j = 0;
    for (; j + 4 <= row; j += 4) wasm_v128_store(dst + j, load(src + j));
    for (; j < row; j++) dst[j] = src[j];
  }
}

// Images [chunk*per, chunk*per + per) of the convolution above. With padding (pt or pl > 0,
// or an output larger than the unpadded input gives), `scratch` holds one padded copy of an
// image per chunk ([chunk][OH+KH-1][OW+KW-1][Ci]), so that every output pixel has all its
// taps and goes in blocks; without, scratch is unused.
EXPORT(conv2d)(const float* x, const float* wp, const float* bias, float* y, float* scratch, int N, int H, int W,
               int Ci, int OH, int OW, int Co, int KH, int KW, int pt, int pl, int per, int chunk) {
  int Co4 = (Co + 3) & ~3;
  int n1 = min_i(N, (chunk + 1) * per);
  int Hp = OH + KH - 1, Wp = OW + KW - 1;
  int padded = pt != 0 || pl != 0 || Hp != H || Wp != W;
  float* buf = scratch + chunk * Hp * Wp * Ci;
  for (int n = chunk * per; n < n1; n++) {
    const float* image = x + n * H * W * Ci;
    if (padded) {
      pad_image(image, buf, H, W, Ci, Hp, Wp, pt, pl);
      image = buf;
    }
    for (int oh = 0; oh < OH; oh++) {
      ConvRow r = {
        .x = image, .wp = wp, .bias = bias, .y = y + (n * OH + oh) * OW * Co,
        .W = padded ? Wp : W, .Ci = Ci, .Co = Co, .Co4 = Co4, .KH = KH, .KW = KW, .oh = oh,
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
// Input gradient of a stride-1 convolution with zero padding pt, pl, for the images of one
// chunk:
//   dx[n,ih,iw,ci] = sum over kh, kw, co of dy[n, ih-kh+pt, iw-kw+pl, co] * w[kh,kw,ci,co]
// (only the dy pixels that exist). Each filter tap (kh, kw) adds dy[n,oh,ow,:] . w[kh,kw]^T
// to dx[n, oh+kh-pt, ow+kw-pl, :] for the output pixels whose target is inside the input:
// every multiply-add is one that counts. dx values are sums over the taps in the order kh, kw,
// each tap's sum over co made first. wt: the filter packed as [KH][KW][Co][Ci4].

typedef struct {
  const float* wt;
  int Ci, Ci4, Co;
} InputGrad;

// dx pixels at dx (PB <= 6 of them, Ci apart) += dy pixels at dy (Co apart) . wt (one tap),
// for input channels cg .. cg+4G-1.
INLINE void input_grad_pixels(const InputGrad* f, float* dx, const float* dy, const float* wt, int cg, const int G, const int PB) {
  int rest = f->Ci - cg;  // channels from cg on
  vec acc[24];  // [PB][4], as in conv_pixels
#define INIT(p, g) if (p < PB && g < G) acc[p * 4 + g] = load_part(dx + p * f->Ci + cg + 4 * g, min_i(4, rest - 4 * g));
  EACH24(INIT)
#undef INIT
  const float* ws = wt + cg;
  for (int co = 0; co < f->Co; co++, ws += f->Ci4) rank1_update(acc, dy + co, f->Co, ws, PB, G);
#define STORE(p, g) if (p < PB && g < G) store_part(dx + p * f->Ci + cg + 4 * g, acc[p * 4 + g], min_i(4, rest - 4 * g));
  EACH24(STORE)
#undef STORE
}

// One run of output pixels (ow0 .. ow1) of one dy row, one tap, one channel group.
INLINE void input_grad_run(const InputGrad* f, float* dx, const float* dy, const float* wt, int count, int cg, const int G, const int PB) {
  int p = 0;
  for (; p + PB <= count; p += PB) input_grad_pixels(f, dx + p * f->Ci, dy + p * f->Co, wt, cg, G, PB);
  for (; p < count; p++) input_grad_pixels(f, dx + p * f->Ci, dy + p * f->Co, wt, cg, G, 1);
}

EXPORT(conv2d_input_grad)(const float* dy, const float* wt, float* dx, int N, int H, int W, int Ci, int OH, int OW,
                          int Co, int KH, int KW, int pt, int pl, int per, int chunk) {
  int Ci4 = (Ci + 3) & ~3;
  InputGrad f = { .wt = wt, .Ci = Ci, .Ci4 = Ci4, .Co = Co };
  int n1 = min_i(N, (chunk + 1) * per);
  for (int n = chunk * per; n < n1; n++) {
    float* image = dx + n * H * W * Ci;
    int size = H * W * Ci, i = 0;
    for (; i + 4 <= size; i += 4) wasm_v128_store(image + i, zero());
    for (; i < size; i++) image[i] = 0.0f;
    for (int kh = 0; kh < KH; kh++) {
      int oh0 = max_i(0, pt - kh), oh1 = min_i(OH, H + pt - kh);
      for (int kw = 0; kw < KW; kw++) {
        int ow0 = max_i(0, pl - kw), ow1 = min_i(OW, W + pl - kw);
        if (ow0 >= ow1) continue;
        const float* tap = wt + (kh * KW + kw) * Co * Ci4;
        for (int oh = oh0; oh < oh1; oh++) {
          float* dxs = image + ((oh + kh - pt) * W + ow0 + kw - pl) * Ci;
          const float* dys = dy + ((n * OH + oh) * OW + ow0) * Co;
          for (int cg = 0; cg < Ci4; cg += 16) {
            switch (min_i(4, (Ci4 - cg) / 4)) {
              case 4: input_grad_run(&f, dxs, dys, tap, ow1 - ow0, cg, 4, 2); break;
              case 3: input_grad_run(&f, dxs, dys, tap, ow1 - ow0, cg, 3, 2); break;
              case 2: input_grad_run(&f, dxs, dys, tap, ow1 - ow0, cg, 2, 4); break;
              default: input_grad_run(&f, dxs, dys, tap, ow1 - ow0, cg, 1, 4); break;
            }
          }
        }
      }
    }
  }
}

#endif  // !FILTER_GRAD_PART

#ifdef FILTER_GRAD_PART
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
  int N, H, W, Ci, OH, OW, Co, Co4, KW;
  int n0, n1;
} FilterGrad;

// The accumulators a<p><g>: p = b * CIB + i for filter column kw + b and input channel ci + i
// of the block (KWB * CIB <= 6), g for the output vectors. dy is loaded in whole vectors
// (lanes past the channels carry the next pixel's values into padding lanes that are never
// read), except at the very end of dy, which is not read past.
INLINE void filter_grad_pixel(const float* xs, const float* ds, int Ci, int tail, vec* acc, const int P, const int CIB, const int G, const int partial) {
  const float* last = ds + 4 * (G - 1);
  vec dl = partial && tail < 4 ? load_part(last, tail) : load(last);
  vec d0 = G > 1 ? load(ds) : dl;
  vec d1 = G > 2 ? load(ds + 4) : G == 2 ? dl : zero();
  vec d2 = G > 3 ? load(ds + 8) : G == 3 ? dl : zero();
  vec d3 = G > 3 ? dl : zero();
#define MAC(p, g) \
  if (p < P && g < G) acc[p * 4 + g] = madd(acc[p * 4 + g], splat(xs + (p / CIB) * Ci + p % CIB), d##g);
  EACH24(MAC)
#undef MAC
}

INLINE void filter_grad_block(const FilterGrad* f, int kh, int kw, int ci, int cg, const int KWB, const int CIB, const int G) {
  const int P = KWB * CIB;
  vec acc[24];  // [P][4]; only constant indices, so registers once inlined
#define INIT(p, g) acc[p * 4 + g] = zero();
  EACH24(INIT)
#undef INIT
  const int Ci = f->Ci, Co = f->Co;
  int tail = min_i(4, Co - cg - 4 * (G - 1));  // lanes of the last vector that are channels
  for (int n = f->n0; n < f->n1; n++) {
    for (int oh = 0; oh < f->OH; oh++) {
      const float* xs = f->x + ((n * f->H + oh + kh) * f->W + kw) * Ci + ci;
      const float* ds = f->dy + (n * f->OH + oh) * f->OW * Co + cg;
      int end = f->OW - (n == f->N - 1 && oh == f->OH - 1);  // the last pixel of dy: below
      for (int ow = 0; ow < end; ow++, xs += Ci, ds += Co) filter_grad_pixel(xs, ds, Ci, tail, acc, P, CIB, G, 0);
      if (end < f->OW) filter_grad_pixel(xs, ds, Ci, tail, acc, P, CIB, G, 1);
    }
  }
  float* out = f->part + ((kh * f->KW + kw) * Ci + ci) * f->Co4 + cg;
#define STORE(p, g) if (p < P && g < G) wasm_v128_store(out + ((p / CIB) * Ci + p % CIB) * f->Co4 + 4 * g, acc[p * 4 + g]);
  EACH24(STORE)
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
    .N = N, .H = H, .W = W, .Ci = Ci, .OH = OH, .OW = OW, .Co = Co, .Co4 = Co4, .KW = KW,
    .n0 = chunk * per, .n1 = min_i(N, (chunk + 1) * per),
  };
  for (int kh = 0; kh < KH; kh++) {
    for (int cg = 0; cg < Co4; cg += 16) {
      switch (min_i(4, (Co4 - cg) / 4)) {
        case 4: filter_grad_group(&f, kh, cg, 4, 1, 2); break;
        case 3: filter_grad_group(&f, kh, cg, 3, 1, 3); break;
        case 2: filter_grad_group(&f, kh, cg, 2, 5, 1); break;
        default: filter_grad_group(&f, kh, cg, 1, 3, 2); break;
      }
    }
  }
}

#else  // the rest of the kernels

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

// ---------------------------------------------------------------------------------------
// Per-channel binary ops with a per-channel operand, groups of L floats as above:
//   y = x op p  (order 0)  or  y = p op x  (order 1),  op: 0 add, 1 sub, 2 mul, 3 div
// pattern: L floats, the channel values repeated.

INLINE vec binary_op(vec a, vec b, const int op) {
  switch (op) {
    case 0: return wasm_f32x4_add(a, b);
    case 1: return wasm_f32x4_sub(a, b);
    case 2: return wasm_f32x4_mul(a, b);
    default: return wasm_f32x4_div(a, b);
  }
}

INLINE void channel_binary_groups(const float* x, const float* pattern, float* y, int L, int g0, int g1, const int op, const int order) {
  for (int g = g0; g < g1; g++) {
    for (int j = 0; j < L; j += 4) {
      vec a = load(x + g * L + j), p = load(pattern + j);
      wasm_v128_store(y + g * L + j, order ? binary_op(p, a, op) : binary_op(a, p, op));
    }
  }
}

EXPORT(channel_binary)(const float* x, const float* pattern, float* y, int op, int order, int L, int groups, int per, int chunk) {
  int g0 = chunk * per, g1 = min_i(groups, g0 + per);
#define CASE(OP) \
  case OP: if (order) channel_binary_groups(x, pattern, y, L, g0, g1, OP, 1); else channel_binary_groups(x, pattern, y, L, g0, g1, OP, 0); break;
  switch (op) { CASE(0) CASE(1) CASE(2) CASE(3) }
#undef CASE
}

// ---------------------------------------------------------------------------------------
// Sigmoid and its gradient, elementwise, for the elements [chunk*per, chunk*per + per) of n
// (chunk boundaries at multiples of 4; the last chunk may end with 1-3 elements).
//   sigmoid(x) = 1 / (1 + exp(-x)),  its gradient dy * y * (1 - y) with y = sigmoid(x)
// exp(x) = 2^k exp(r), r = x - k ln 2 (k = round(x / ln 2), ln 2 in two parts), exp(r) by a
// degree-6 polynomial: relative error about 2e-7 on [-87, 87], where x is clamped. k is
// rounded by adding 1.5 * 2^23, whose float then holds k in its low bits, which give 2^k.
// (pmin/pmax and this rounding map to single x86 instructions; min, max, nearest and
// trunc_sat do not.)

INLINE vec exp_approx(vec x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.0f)), wasm_f32x4_splat(87.0f));
  const vec magic = wasm_f32x4_splat(12582912.0f);
  vec shifted = madd(magic, x, wasm_f32x4_splat(1.44269504088896341f));
  vec k = wasm_f32x4_sub(shifted, magic);
  vec r = wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(k, wasm_f32x4_splat(-2.12194440e-4f)));
  vec p = wasm_f32x4_splat(1.9875691500e-4f);
  p = madd(wasm_f32x4_splat(1.3981999507e-3f), p, r);
  p = madd(wasm_f32x4_splat(8.3334519073e-3f), p, r);
  p = madd(wasm_f32x4_splat(4.1665795894e-2f), p, r);
  p = madd(wasm_f32x4_splat(1.6666665459e-1f), p, r);
  p = madd(wasm_f32x4_splat(5.0000001201e-1f), p, r);
  p = madd(wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)), wasm_f32x4_mul(p, r), r);
  // bits(shifted) = 0x4B400000 + k: 2^k has exponent bits k + 127.
  vec scale = wasm_i32x4_shl(wasm_i32x4_add(shifted, wasm_i32x4_splat(127 - 0x4B400000)), 23);
  return wasm_f32x4_mul(p, scale);
}

INLINE vec sigmoid_approx(vec x) {
  vec one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp_approx(wasm_f32x4_neg(x))));
}

EXPORT(sigmoid)(const float* x, float* y, int n, int per, int chunk) {
  int i = chunk * per, end = min_i(n, i + per);
  // Four vectors a step: their divisions and polynomials overlap (2 a step was 3-6% slower on
  // Node 24, 20% on Node 20).
  for (; i + 16 <= end; i += 16) {
    vec a = sigmoid_approx(load(x + i)), b = sigmoid_approx(load(x + i + 4));
    vec c = sigmoid_approx(load(x + i + 8)), d = sigmoid_approx(load(x + i + 12));
    wasm_v128_store(y + i, a);
    wasm_v128_store(y + i + 4, b);
    wasm_v128_store(y + i + 8, c);
    wasm_v128_store(y + i + 12, d);
  }
  for (; i + 4 <= end; i += 4) wasm_v128_store(y + i, sigmoid_approx(load(x + i)));
  if (i < end) store_part(y + i, sigmoid_approx(load_part(x + i, end - i)), end - i);
}

// dx = dy * y * (1 - y), from the sigmoid's output y.
EXPORT(sigmoid_grad)(const float* dy, const float* y, float* dx, int n, int per, int chunk) {
  vec one = wasm_f32x4_splat(1.0f);
  int i = chunk * per, end = min_i(n, i + per);
  for (; i + 4 <= end; i += 4) {
    vec s = load(y + i);
    wasm_v128_store(dx + i, wasm_f32x4_mul(load(dy + i), wasm_f32x4_mul(s, wasm_f32x4_sub(one, s))));
  }
  if (i < end) {
    vec s = load_part(y + i, end - i);
    store_part(dx + i, wasm_f32x4_mul(load_part(dy + i, end - i), wasm_f32x4_mul(s, wasm_f32x4_sub(one, s))), end - i);
  }
}

// ---------------------------------------------------------------------------------------
// Average pooling whose windows tile the input (stride = window, no padding, no unused edge:
// LeNet's 2x2 / 2), NHWC, for the images of one chunk. Each output pixel's C channels are a
// run of C floats; runs go 4 channels at a time.
//   forward: y[n,oh,ow,c] = scale * sum over the window of x;  backward: each input position
//   gets scale * dy of its window (no sums).

// A run of C floats at p, 4 at a time: whole vectors, except where the run ends the tensor
// (`last`), whose final vector stops at the run's end.
INLINE vec load_run(const float* p, int c, int C, int last) {
  return last && C - c < 4 ? load_part(p + c, C - c) : load(p + c);
}

EXPORT(avg_pool_tiled)(const float* x, float* y, int N, int H, int W, int C, int FH, int FW, int scale_bits, int per, int chunk) {
  int OH = H / FH, OW = W / FW;
  vec s = wasm_f32x4_splat(from_bits(scale_bits));
  int n1 = min_i(N, (chunk + 1) * per);
  for (int n = chunk * per; n < n1; n++)
    for (int oh = 0; oh < OH; oh++) {
      const float* rows = x + (n * H + oh * FH) * W * C;
      float* out = y + (n * OH + oh) * OW * C;
      int end = n == N - 1 && oh == OH - 1;  // this row of windows ends the input
      if (FH == 2 && FW == 2) {  // LeNet's windows, written out
        for (int ow = 0; ow < OW; ow++, out += C) {
          const float* p0 = rows + ow * 2 * C;
          const float* p1 = p0 + W * C;
          int last = end && ow == OW - 1;
          for (int c = 0; c < C; c += 4) {
            vec acc = wasm_f32x4_add(wasm_f32x4_add(load(p0 + c), load(p0 + C + c)), wasm_f32x4_add(load(p1 + c), load_run(p1 + C, c, C, last)));
            store_part(out + c, wasm_f32x4_mul(acc, s), min_i(4, C - c));
          }
        }
        continue;
      }
      for (int ow = 0; ow < OW; ow++, out += C) {
        for (int c = 0; c < C; c += 4) {
          vec acc = zero();
          for (int kh = 0; kh < FH; kh++) {
            const float* px = rows + (kh * W + ow * FW) * C;
            for (int kw = 0; kw < FW; kw++, px += C) acc = wasm_f32x4_add(acc, load_run(px, c, C, end && kh == FH - 1 && ow == OW - 1 && kw == FW - 1));
          }
          store_part(out + c, wasm_f32x4_mul(acc, s), min_i(4, C - c));
        }
      }
    }
}

EXPORT(avg_pool_tiled_grad)(const float* dy, float* dx, int N, int H, int W, int C, int FH, int FW, int scale_bits, int per, int chunk) {
  int OH = H / FH, OW = W / FW;
  vec s = wasm_f32x4_splat(from_bits(scale_bits));
  int n1 = min_i(N, (chunk + 1) * per);
  for (int n = chunk * per; n < n1; n++)
    for (int oh = 0; oh < OH; oh++) {
      const float* g = dy + (n * OH + oh) * OW * C;
      float* rows = dx + (n * H + oh * FH) * W * C;
      int end = n == N - 1 && oh == OH - 1;
      if (FH == 2 && FW == 2) {  // LeNet's windows, written out
        for (int ow = 0; ow < OW; ow++, g += C) {
          float* p0 = rows + ow * 2 * C;
          float* p1 = p0 + W * C;
          int last = end && ow == OW - 1;
          for (int c = 0; c < C; c += 4) {
            int lanes = min_i(4, C - c);
            vec v = wasm_f32x4_mul(load_run(g, c, C, last), s);
            store_part(p0 + c, v, lanes);
            store_part(p0 + C + c, v, lanes);
            store_part(p1 + c, v, lanes);
            store_part(p1 + C + c, v, lanes);
          }
        }
        continue;
      }
      for (int ow = 0; ow < OW; ow++, g += C) {
        for (int c = 0; c < C; c += 4) {
          int lanes = min_i(4, C - c);
          vec v = wasm_f32x4_mul(load_run(g, c, C, end && ow == OW - 1), s);
          for (int kh = 0; kh < FH; kh++) {
            float* px = rows + (kh * W + ow * FW) * C + c;
            for (int kw = 0; kw < FW; kw++, px += C) store_part(px, v, lanes);
          }
        }
      }
    }
}

// ---------------------------------------------------------------------------------------
// Image bytes to floats in [0, 1]: y = x / 255 (float32 division, exact rounding: the same
// floats as dividing in float64 and rounding, for every byte value), for the elements
// [chunk*per, chunk*per + per) of n (per a multiple of 16).

EXPORT(bytes_to_unit)(const unsigned char* x, float* y, int n, int per, int chunk) {
  vec d = wasm_f32x4_splat(255.0f);
  int i = chunk * per, end = min_i(n, i + per);
  for (; i + 16 <= end; i += 16) {
    vec b = wasm_v128_load(x + i);
    vec lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
    wasm_v128_store(y + i, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(lo)), d));
    wasm_v128_store(y + i + 4, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(lo)), d));
    wasm_v128_store(y + i + 8, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(hi)), d));
    wasm_v128_store(y + i + 12, wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(hi)), d));
  }
  for (; i < end; i++) y[i] = (float)x[i] / 255.0f;
}

// ---------------------------------------------------------------------------------------
// Matrix product C[M][N] = A[M][K] B[K][N] (+ bias[n]): A read in place with any strides
// (A(m,k) = a[m*ram + k*rak], so a transposed operand needs no copy), B packed first into
// rows of N4 floats (zero padded; pack_rows). For the rows [chunk*per, chunk*per + per) of C,
// MR rows by NR vectors of columns at a time; each value sums over k in order.

// bp[k][n] = B(k, n) = b[k*rbk + n*rbn] for n < N, 0 up to N4; rows [chunk*per, ...) of K.
EXPORT(pack_rows)(const float* b, int rbk, int rbn, float* bp, int K, int N, int per, int chunk) {
  int N4 = (N + 3) & ~3;
  int k1 = min_i(K, (chunk + 1) * per);
  for (int k = chunk * per; k < k1; k++) {
    float* row = bp + k * N4;
    if (rbn == 1) {
      int n = 0;
      for (; n + 4 <= N; n += 4) wasm_v128_store(row + n, load(b + k * rbk + n));
      for (; n < N; n++) row[n] = b[k * rbk + n];
    } else {
      for (int n = 0; n < N; n++) row[n] = b[k * rbk + n * rbn];
    }
    for (int n = N; n < N4; n++) row[n] = 0.0f;
  }
}

INLINE void gemm_block(const float* a, int ram, int rak, const float* bp, const float* bias, float* c, int N, int K, int m, int n, const int MR, const int NR) {
  int N4 = (N + 3) & ~3;
  vec acc[24];  // [MR][4]
#define INIT(p, g) if (p < MR && g < NR) acc[p * 4 + g] = bias ? load(bias + n + 4 * g) : zero();
  EACH24(INIT)
#undef INIT
  const float* as = a + m * ram;
  const float* bs = bp + n;
  for (int k = 0; k < K; k++, as += rak, bs += N4) rank1_update(acc, as, ram, bs, MR, NR);
#define STORE(p, g) if (p < MR && g < NR) store_part(c + (m + p) * N + n + 4 * g, acc[p * 4 + g], min_i(4, N - n - 4 * g));
  EACH24(STORE)
#undef STORE
}

// Blocks of MR rows x 2 vectors: 8 accumulators, 2 B vectors, a splat and a temporary fit the
// 15 xmm registers V8 gives a wasm function; 4 x 3 did not (V8 stored and reloaded 3
// accumulators every k step, about half the speed on dense1's shapes).
INLINE void gemm_rows(const float* a, int ram, int rak, const float* bp, const float* bias, float* c, int N, int K, int m, const int MR) {
  int V = (N + 3) / 4, v = 0;
  for (; v + 2 <= V; v += 2) gemm_block(a, ram, rak, bp, bias, c, N, K, m, 4 * v, MR, 2);
  if (V - v == 1) gemm_block(a, ram, rak, bp, bias, c, N, K, m, 4 * v, MR, 1);
}

EXPORT(gemm)(const float* a, int ram, int rak, const float* bp, const float* bias, float* c, int M, int N, int K, int per, int chunk) {
  int m = chunk * per, m1 = min_i(M, m + per);
  for (; m + 4 <= m1; m += 4) gemm_rows(a, ram, rak, bp, bias, c, N, K, m, 4);
  switch (m1 - m) {
    case 3: gemm_rows(a, ram, rak, bp, bias, c, N, K, m, 3); break;
    case 2: gemm_rows(a, ram, rak, bp, bias, c, N, K, m, 2); break;
    case 1: gemm_rows(a, ram, rak, bp, bias, c, N, K, m, 1); break;
    default: break;
  }
}

// ---------------------------------------------------------------------------------------
// y = a op b for operands of one shape (op as in channel_binary), for the elements
// [chunk*per, chunk*per + per) of n (per a multiple of 4).

INLINE void elementwise_range(const float* a, const float* b, float* y, int i, int end, const int op) {
  for (; i + 4 <= end; i += 4) wasm_v128_store(y + i, binary_op(load(a + i), load(b + i), op));
  if (i < end) store_part(y + i, binary_op(load_part(a + i, end - i), load_part(b + i, end - i), op), end - i);
}

EXPORT(elementwise_binary)(const float* a, const float* b, float* y, int op, int n, int per, int chunk) {
  int i = chunk * per, end = min_i(n, i + per);
  switch (op) {
    case 0: elementwise_range(a, b, y, i, end, 0); break;
    case 1: elementwise_range(a, b, y, i, end, 1); break;
    case 2: elementwise_range(a, b, y, i, end, 2); break;
    default: elementwise_range(a, b, y, i, end, 3); break;
  }
}

// ---------------------------------------------------------------------------------------
// y = -x (the sign bit flipped), for the elements [chunk*per, chunk*per + per) of n (per a
// multiple of 4). tfjs-backend-wasm's own Neg goes through XNNPACK's thread pool, whose
// wake-up cost about 0.3 ms a call here, for the 2,560 numbers of the loss's [256, 10].

EXPORT(negate)(const float* x, float* y, int n, int per, int chunk) {
  int i = chunk * per, end = min_i(n, i + per);
  for (; i + 4 <= end; i += 4) wasm_v128_store(y + i, wasm_f32x4_neg(load(x + i)));
  if (i < end) store_part(y + i, wasm_f32x4_neg(load_part(x + i, end - i)), end - i);
}
#endif  // FILTER_GRAD_PART
