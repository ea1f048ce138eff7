#include "mykey/card_reader/reader_monitor.h"
