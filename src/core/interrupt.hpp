// Cooperative cancellation on SIGINT/SIGTERM: long loops poll interrupted() and stop cleanly,
// so output files are finalised or removed instead of being left half-written.
#pragma once

namespace cnnscope {

// Installs handlers for SIGINT and SIGTERM that set the flag (a second signal exits at once).
void installInterruptHandlers();
bool interrupted();

}  // namespace cnnscope
