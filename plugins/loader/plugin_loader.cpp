#include "loader/plugin_loader.hpp"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "core/dhcp/arch.hpp"

namespace bootgate::plugins {

void DlClose::operator()(void* handle) const noexcept {
  if (handle) ::dlclose(handle);
}

Result<std::shared_ptr<LoadedPlugin>, std::string> LoadedPlugin::load(const std::string& path,
                                                                      const std::string& config,
                                                                      const std::string& config_dir) {
  // RTLD_LOCAL: two plugins may use the same symbol names without clashing.
  DlHandle handle(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!handle) return Unexpected{std::string("plugin ") + path + ": " + ::dlerror()};
  auto* entry = reinterpret_cast<bootgate_plugin_entry_fn>(::dlsym(handle.get(), BOOTGATE_PLUGIN_ENTRY_SYMBOL));
  if (!entry) return Unexpected{"plugin " + path + ": no " + BOOTGATE_PLUGIN_ENTRY_SYMBOL + "() (not a bootgate plugin)"};
  const bootgate_plugin* table = entry();
  if (!table) return Unexpected{"plugin " + path + ": " + BOOTGATE_PLUGIN_ENTRY_SYMBOL + "() returned NULL"};
  if (table->abi_version != BOOTGATE_PLUGIN_ABI_VERSION)
    return Unexpected{"plugin " + path + ": built for plugin ABI version " + std::to_string(table->abi_version) +
                      ", this bootgate speaks version " + std::to_string(BOOTGATE_PLUGIN_ABI_VERSION) +
                      " (rebuild it against this bootgate's bootgate_plugin.h)"};
  if (!table->init || !table->select_boot || !table->destroy)
    return Unexpected{"plugin " + path + ": its function table has empty entries"};
  char error[256] = {};
  void* state = table->init(config.c_str(), config_dir.c_str(), error, sizeof error);
  if (!state) {
    error[sizeof error - 1] = '\0';
    return Unexpected{"plugin " + path + ": init failed: " + (error[0] ? error : "no reason given")};
  }
  return std::make_shared<LoadedPlugin>(Key{}, std::move(handle), table, state, path);
}

LoadedPlugin::LoadedPlugin(Key, DlHandle handle, const bootgate_plugin* table, void* state, std::string path)
    : handle_(std::move(handle)), table_(table), state_(state), path_(std::move(path)),
      name_(table->name ? table->name : path_) {}

LoadedPlugin::~LoadedPlugin() { table_->destroy(state_); }

namespace {
// Copies a fixed buffer that the plugin may have left without a terminator.
std::string field(const char* buf, std::size_t size) { return std::string(buf, ::strnlen(buf, size)); }
}  // namespace

std::optional<dhcp::BootDecision> LoadedPlugin::decide(const dhcp::BootRequest& r) const {
  const std::string mac = r.hw.to_string();
  const std::string vendor(r.vendor_class);
  const std::string subnet(r.subnet);
  const std::string host(r.host);
  std::vector<const char*> classes;
  for (const auto& c : r.user_classes) classes.push_back(c.c_str());

  bootgate_client client{};
  client.struct_size = sizeof client;
  client.hw_type = r.hw.type;
  client.hw_len = r.hw.length;
  std::memcpy(client.hw, r.hw.bytes.data(), sizeof client.hw);
  client.mac = mac.c_str();
  client.arch = r.arch ? static_cast<std::int32_t>(*r.arch) : -1;
  client.vendor_class = vendor.c_str();
  client.user_classes = classes.data();
  client.user_class_count = classes.size();
  client.ipxe = r.ipxe ? 1 : 0;
  client.subnet = subnet.c_str();
  client.vlan = r.vlan ? static_cast<std::int32_t>(*r.vlan) : -1;
  client.host = host.c_str();

  bootgate_boot_answer answer{};
  if (table_->select_boot(state_, &client, &answer) != BOOTGATE_DECIDED) return std::nullopt;
  dhcp::BootDecision d;
  d.target.file = field(answer.boot_file, sizeof answer.boot_file);
  d.target.server_name = field(answer.server_name, sizeof answer.server_name);
  d.target.next_server = answer.next_server;
  d.hostname = field(answer.hostname, sizeof answer.hostname);
  const auto rule = field(answer.rule, sizeof answer.rule);
  d.rule = "plugin " + name_ + (rule.empty() ? "" : " (" + rule + ")");
  if (d.target.file.empty()) return std::nullopt;  // a decision must name a boot file
  return d;
}

Result<std::shared_ptr<const dhcp::BootPolicy>, std::string> make_boot_policy(const config::DhcpSection& section,
                                                                            const std::string& config_dir) {
  auto rules = std::make_shared<const dhcp::RuleBootPolicy>(config::to_boot_config(section));
  if (section.plugins.empty()) return std::shared_ptr<const dhcp::BootPolicy>(rules);
  std::vector<std::shared_ptr<const dhcp::BootPolicy>> chain;
  for (const auto& p : section.plugins) {
    std::filesystem::path path(p.path);
    // A bare relative path is against the config folder (dlopen would search the library path).
    if (path.is_relative()) path = std::filesystem::path(config_dir) / path;
    auto loaded = LoadedPlugin::load(path.string(), p.config, config_dir);
    if (!loaded) return Unexpected{loaded.error()};
    chain.push_back(std::move(*loaded));
  }
  chain.push_back(std::move(rules));
  return std::shared_ptr<const dhcp::BootPolicy>(std::make_shared<const dhcp::ChainBootPolicy>(std::move(chain)));
}

}  // namespace bootgate::plugins
