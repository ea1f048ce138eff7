#pragma once

// The one place that includes Catch2, so that a move to Catch2 v3 touches
// one file (style.md).
#include <catch2/catch.hpp>
