#include "mykey/testing/catch.h"
