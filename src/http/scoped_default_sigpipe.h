#pragma once
// ScopedDefaultSigpipe (tests): gives SIGPIPE its default action, ending the process, for the
// scope, whatever the test runner set before, and puts the previous action back afterwards. A
// test that writes to a peer that went away can then show the write is an error and not a
// signal.

#include <csignal>

namespace imgpipe::http {

class ScopedDefaultSigpipe {
  public:
    ScopedDefaultSigpipe() : previous_(std::signal(SIGPIPE, SIG_DFL)) {}
    ~ScopedDefaultSigpipe() { std::signal(SIGPIPE, previous_); }
    ScopedDefaultSigpipe(const ScopedDefaultSigpipe&) = delete;
    ScopedDefaultSigpipe& operator=(const ScopedDefaultSigpipe&) = delete;

  private:
    void (*previous_)(int);
};

}  // namespace imgpipe::http
