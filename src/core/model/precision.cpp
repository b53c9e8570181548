// The process-wide precision request and what this CPU can do.
#include "core/model/precision.hpp"

#include "core/base/parse.hpp"

#if CNNSCOPE_ONEDNN
#include <dnnl.hpp>
#endif

#include <atomic>
#include <cstdlib>

namespace cnnscope {

namespace {
const char* const kNames[] = {"auto", "f32", "bf16"};

// $CNNSCOPE_PRECISION, the default of --precision (the CLI refuses a bad value with its own
// message; here a bad value is `auto`).
int fromEnvironment() {
    const char* e = std::getenv("CNNSCOPE_PRECISION");
    const auto p = e && *e ? parsePrecision(e) : Expected<Precision>(Precision::Auto);
    return int(p ? *p : Precision::Auto);
}

std::atomic<int> g_precision{fromEnvironment()};
std::atomic<bool> g_exact{false};
}  // namespace

const char* precisionName(Precision p) { return kNames[int(p)]; }
std::string precisionNames() { return "auto, f32, bf16"; }

Expected<Precision> parsePrecision(const std::string& name) {
    const std::string n = lower(name);
    for (int i = 0; i < 3; ++i)
        if (n == kNames[i]) return Precision(i);
    return Error{"unknown precision '" + name + "'; choose one of: " + precisionNames()};
}

std::string bf16IsaOnThisCpu() {
#if CNNSCOPE_ONEDNN
    static const std::string isa = [] {
        const dnnl::cpu_isa e = dnnl::get_effective_cpu_isa();
        if (e == dnnl::cpu_isa::avx512_core_amx) return std::string("amx_bf16");
        if (e == dnnl::cpu_isa::avx512_core_bf16) return std::string("avx512_bf16");
        return std::string();
    }();
    return isa;
#else
    return "";
#endif
}

bool bf16PreferredOnThisCpu() { return bf16IsaOnThisCpu() == "amx_bf16"; }

void setPrecision(Precision p) { g_precision.store(int(p)); }
Precision requestedPrecision() { return Precision(g_precision.load()); }
void setExactOutputs(bool exact) { g_exact.store(exact); }
bool exactOutputs() { return g_exact.load(); }
PrecisionChoice currentPrecision() { return resolvePrecision(requestedPrecision(), exactOutputs()); }

PrecisionChoice resolvePrecision(Precision requested, bool exact) {
    PrecisionChoice c;
    if (requested == Precision::F32) return c;
    if (requested == Precision::Auto) {
        if (!exact && bf16PreferredOnThisCpu()) c.actual = Precision::BF16;
        return c;
    }
    if (bf16IsaOnThisCpu().empty()) {
#if CNNSCOPE_ONEDNN
        c.note = "this CPU has no bf16 units (AMX-BF16 or AVX512-BF16): runs f32";
#else
        c.note = "built without oneDNN: runs f32";
#endif
        return c;
    }
    c.actual = Precision::BF16;
    return c;
}

}  // namespace cnnscope
