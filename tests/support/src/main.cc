#define CATCH_CONFIG_MAIN
#include "mykey/testing/catch.h"
