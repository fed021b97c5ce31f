// The host-inventory plugin: bootgate_plugin_entry() for plugins/bootgate_plugin.h. Its config is
// the path of the CSV file (relative to the folder of bootgate.yaml), read once at init.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

#include "bootgate_plugin.h"
#include "inventory/inventory.hpp"

namespace {

using bootgate::plugins::inventory::Inventory;

void copy_field(char* dst, std::size_t size, const std::string& src) {
  const std::size_t n = std::min(src.size(), size - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

void* inventory_init(const char* config, const char* config_dir, char* error, std::size_t error_size) {
  auto fail = [&](const std::string& msg) -> void* {
    copy_field(error, error_size, msg);
    return nullptr;
  };
  try {
    std::filesystem::path path(config ? config : "");
    if (path.empty()) return fail("config must name the inventory CSV file");
    if (path.is_relative() && config_dir && *config_dir) path = std::filesystem::path(config_dir) / path;
    std::ifstream in(path);
    if (!in) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    auto inv = std::make_unique<Inventory>();
    if (auto err = inv->parse(text.str()); !err.empty()) return fail(path.string() + ": " + err);
    return inv.release();  // owned by bootgate until inventory_destroy
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

int inventory_select(void* state, const bootgate_client* client, bootgate_boot_answer* answer) {
  const auto* inv = static_cast<const Inventory*>(state);
  if (!client || !client->mac) return BOOTGATE_NO_DECISION;
  const auto* host = inv->find(client->mac);
  if (!host) return BOOTGATE_NO_DECISION;
  copy_field(answer->boot_file, sizeof answer->boot_file, host->boot_file);
  copy_field(answer->hostname, sizeof answer->hostname, host->hostname);
  answer->next_server = host->next_server;
  copy_field(answer->rule, sizeof answer->rule, "inventory line " + std::to_string(host->line));
  return BOOTGATE_DECIDED;
}

void inventory_destroy(void* state) { std::unique_ptr<Inventory> owned(static_cast<Inventory*>(state)); }

const bootgate_plugin kPlugin{BOOTGATE_PLUGIN_ABI_VERSION, "inventory", inventory_init, inventory_select,
                              inventory_destroy};

}  // namespace

extern "C" __attribute__((visibility("default"))) const bootgate_plugin* bootgate_plugin_entry(void) {
  return &kPlugin;
}
