#pragma once
// name_this_thread: names the calling thread for `top -H`, `ps -L`, perf and gdb ("api-io",
// "s3-handler", "worker", ...), so that an operator (or a profile) can tell which part of a
// process spends the time or waits. Linux keeps 15 bytes of a name; longer ones are cut.

#include <string_view>

namespace imgpipe {

void name_this_thread(std::string_view name);

}  // namespace imgpipe
