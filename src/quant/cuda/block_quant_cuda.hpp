// The block quantization on a CUDA device: one thread block per 128x128 block, bit-identical
// to quantize_reference (same float operations; see docs/quantization.md). Built only with
// CUDA (WXFER_HAVE_CUDA); every function throws SystemError when no device is present.
#pragma once

#include "quant/block_quant.hpp"

namespace wxfer::quant {

// Number of CUDA devices; 0 without a driver or a device (never throws).
int cuda_device_count();

// Device pointers in `src` and `out`; enqueued on `stream` (a cudaStream_t, nullptr: default).
void quantize_cuda_async(Bf16Region src, Fp8Output out, void* stream);

// Host pointers: copies the region to the device, quantizes, copies fp8 and scales back.
void quantize_cuda(Bf16Region src, Fp8Output out);

}  // namespace wxfer::quant
