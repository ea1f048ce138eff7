#pragma once

// The cloud's tests use the project's one TempDir (tests/support).
#include "mykey/testing/temp_dir.h"

namespace mykey::cloud::testing {

using TempDir = ::mykey::testing::TempDir;

}  // namespace mykey::cloud::testing
