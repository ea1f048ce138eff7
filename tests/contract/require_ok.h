#pragma once

// REQUIRE_OK(expr): requires a Result/Status to be ok, printing its error when not.

#include <string>

#include "mykey/testing/catch.h"

#define REQUIRE_OK(expr)                                                                    \
  do {                                                                                      \
    auto&& require_ok_result_ = (expr);                                                     \
    INFO((require_ok_result_ ? std::string("ok") : require_ok_result_.error().ToString())); \
    REQUIRE(require_ok_result_);                                                            \
  } while (0)
