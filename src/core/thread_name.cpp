#include "core/thread_name.h"

#include <pthread.h>

#include <string>

namespace imgpipe {

void name_this_thread(std::string_view name) {
    constexpr size_t kLinuxLimit = 15;  // TASK_COMM_LEN less its terminating zero
    const std::string cut(name.substr(0, kLinuxLimit));
    // Fails only for a name over the limit, which the cut rules out; a name is a courtesy anyway.
    (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace imgpipe
