#pragma once
// Result<T>: either a value of type T or a non-ok Status. The return type of every fallible
// function that produces something. Value semantics, like std::optional.

#include <cassert>
#include <utility>
#include <variant>

#include "core/status.h"

namespace imgpipe {

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    // REQUIRES: !status.is_ok()
    Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
        assert(!std::get<Status>(v_).is_ok());
    }

    bool is_ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return is_ok(); }

    // REQUIRES: is_ok()
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Status::ok() when a value is held.
    Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

  private:
    std::variant<T, Status> v_;
};

}  // namespace imgpipe

#define IMGPIPE_CONCAT_INNER_(a, b) a##b
#define IMGPIPE_CONCAT_(a, b) IMGPIPE_CONCAT_INNER_(a, b)
// IMGPIPE_ASSIGN_OR_RETURN(auto x, f()): assigns the value of a Result or returns its Status.
// `lhs` is a declaration ("auto x"), so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define IMGPIPE_ASSIGN_OR_RETURN(lhs, expr)                         \
    auto IMGPIPE_CONCAT_(imgpipe_result_, __LINE__) = (expr);       \
    if (!IMGPIPE_CONCAT_(imgpipe_result_, __LINE__).is_ok())        \
        return IMGPIPE_CONCAT_(imgpipe_result_, __LINE__).status(); \
    lhs = std::move(IMGPIPE_CONCAT_(imgpipe_result_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)
