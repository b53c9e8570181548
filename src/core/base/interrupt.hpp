// Cooperative cancellation on SIGINT/SIGTERM: long loops poll interrupted() and stop cleanly,
// so output files are finalised or removed instead of being left half-written.
#pragma once

#include <string>

namespace cnnscope {

// Installs handlers for SIGINT and SIGTERM that set the flag (a second signal removes the
// registered temporary files and exits at once).
void installInterruptHandlers();
bool interrupted();

// Temporary files a second signal removes before exiting (AtomicFile registers its own). A fixed
// number of slots: beyond them a file is only cleaned up by the next run (stale temporaries).
void registerTemporary(const std::string& path);
void unregisterTemporary(const std::string& path);

}  // namespace cnnscope
