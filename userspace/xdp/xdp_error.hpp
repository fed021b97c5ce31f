#pragma once
// Failures of the XDP front end, classified so the app can decide between "refuse to start"
// (xdp: required) and "run unprotected" (xdp: optional). what() is one line meant for the operator.
#include <stdexcept>
#include <string>

namespace bootgate::xdp {

enum class XdpFailure {
  not_privileged,  // EPERM/EACCES from bpf() or netlink: needs root or CAP_BPF + CAP_NET_ADMIN
  no_btf,          // kernel without BTF (libbpf cannot load BTF-defined maps)
  no_xdp,          // kernel or driver without (the requested mode of) XDP
  interface,       // interface missing
  conflict,        // another, foreign XDP program is attached; we do not replace it
  policy,          // policy does not fit the maps (table full) or names an unknown interface
  system,          // anything else (bpffs, pinning, ioctl)
};

const char* to_string(XdpFailure f);

class XdpError : public std::runtime_error {
 public:
  XdpError(XdpFailure failure, const std::string& message) : std::runtime_error(message), failure_(failure) {}
  XdpFailure failure() const { return failure_; }

 private:
  XdpFailure failure_;
};

}  // namespace bootgate::xdp
