// The numeric precision the oneDNN executor runs in: f32, or bf16 on CPUs with bf16 units
// (AMX-BF16, AVX512-BF16). A process-wide request (--precision), resolved per use: exported
// numbers (.npy, JSON) stay f32 under `auto`; pictures and the window follow `auto`.
#pragma once

#include "core/base/expected.hpp"

#include <string>

namespace cnnscope {

enum class Precision { Auto, F32, BF16 };

const char* precisionName(Precision p);  // auto, f32, bf16
Expected<Precision> parsePrecision(const std::string& name);
std::string precisionNames();            // "auto, f32, bf16"

// What this CPU's oneDNN offers: "amx_bf16", "avx512_bf16" or "" (no bf16 convolution).
std::string bf16IsaOnThisCpu();
// Whether `auto` picks bf16 here: with AMX-BF16 (about 5x the f32 Winograd chain). Not with
// AVX512-BF16 alone: measured slower than f32 there (bench/precision.sh, README Performance).
bool bf16PreferredOnThisCpu();

void setPrecision(Precision p);  // thread-safe; the executor reads it at each forward
Precision requestedPrecision();

// Set by a command whose outputs are numbers (.npy, JSON values): `auto` then means f32. The
// window and the commands that draw pictures leave it false.
void setExactOutputs(bool exact);
bool exactOutputs();

struct PrecisionChoice {
    Precision actual = Precision::F32;  // F32 or BF16
    std::string note;                   // why it differs from the request ("this CPU has no bf16: runs f32")
};
// The request resolved: `exact` for a use whose numbers are exported (auto then means f32).
PrecisionChoice resolvePrecision(Precision requested, bool exact);
// resolvePrecision(requestedPrecision(), exactOutputs()).
PrecisionChoice currentPrecision();

}  // namespace cnnscope
