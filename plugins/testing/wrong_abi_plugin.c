/* A plugin built for a future ABI version: the loader must refuse it (tests only). */
#include "bootgate_plugin.h"

static const bootgate_plugin plugin = {BOOTGATE_PLUGIN_ABI_VERSION + 1u, "wrong-abi", 0, 0, 0};

const bootgate_plugin* bootgate_plugin_entry(void) { return &plugin; }
