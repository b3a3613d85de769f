#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace imgpipe {
namespace {

// The name as the kernel shows it to ps and top, read from procfs.
std::string kernel_name_of_this_thread() {
    const auto tid = static_cast<long>(syscall(SYS_gettid));
    std::ifstream comm("/proc/self/task/" + std::to_string(tid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

TEST(ThreadNameTest, TheKernelShowsTheName) {
    std::string seen;
    std::thread([&] {
        name_this_thread("s3-handler");
        seen = kernel_name_of_this_thread();
    }).join();
    EXPECT_EQ(seen, "s3-handler");
}

TEST(ThreadNameTest, ANameOverFifteenBytesIsCut) {
    std::string seen;
    std::thread([&] {
        name_this_thread("a-name-of-twenty-bytes");
        seen = kernel_name_of_this_thread();
    }).join();
    EXPECT_EQ(seen, "a-name-of-twent");
}

}  // namespace
}  // namespace imgpipe
