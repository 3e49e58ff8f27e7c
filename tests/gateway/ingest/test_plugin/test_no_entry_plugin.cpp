// Test fixture: a shared library in the plugin folder that is not a socialrx plugin (it exports
// no socialrx_plugin_v1).
extern "C" __attribute__((visibility("default"))) int not_a_socialrx_plugin() { return 1; }
