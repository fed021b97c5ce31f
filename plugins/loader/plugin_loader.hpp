#pragma once
// Loads a boot-policy plugin (.so with the C ABI of plugins/bootgate_plugin.h) and presents it as a
// dhcp::BootPolicy, so the engine cannot tell a plugin from the built-in YAML rules.
#include <memory>
#include <optional>
#include <string>

#include "bootgate_plugin.h"
#include "config/dhcp_config.hpp"
#include "core/common/result.hpp"
#include "core/dhcp/boot_policy.hpp"

namespace bootgate::plugins {

struct DlClose {
  void operator()(void* handle) const noexcept;
};
using DlHandle = std::unique_ptr<void, DlClose>;

class LoadedPlugin final : public dhcp::BootPolicy {
 public:
  // Errors are one line naming the file: not found, no entry symbol, wrong ABI version, init failed.
  static Result<std::shared_ptr<LoadedPlugin>, std::string> load(const std::string& path, const std::string& config,
                                                                 const std::string& config_dir);
  ~LoadedPlugin() override;
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  std::optional<dhcp::BootDecision> decide(const dhcp::BootRequest& request) const override;
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }

  class Key {
    friend class LoadedPlugin;
    Key() = default;
  };
  LoadedPlugin(Key, DlHandle handle, const bootgate_plugin* table, void* state, std::string path);

 private:
  DlHandle handle_;  // declared first: destroyed last, after the plugin's state
  const bootgate_plugin* table_;
  void* state_;
  std::string path_;
  std::string name_;
};

// The boot policy a `dhcp:` section describes: its plugins in order, then the YAML rules.
// `config_dir` resolves relative plugin paths and is handed to each plugin's init.
Result<std::shared_ptr<const dhcp::BootPolicy>, std::string> make_boot_policy(const config::DhcpSection& section,
                                                                            const std::string& config_dir);

}  // namespace bootgate::plugins
