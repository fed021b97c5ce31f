#pragma once
// Where leases live. The engine talks only to this interface: an in-memory table for tests, SQLite
// for one appliance (store/leases), a shared SQL database for several later. A backend shared by
// several servers must make allocate() and commit() atomic check-and-set operations.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/dhcp/lease.hpp"
#include "core/dhcp/pool.hpp"

namespace bootgate::dhcp {

struct StoreError {
  std::string message;
};

struct AllocationRequest {
  std::span<const AddressRange> ranges;  // the subnet's pools
  std::span<const Ipv4> excluded;        // sorted; never handed out dynamically (reservations, ...)
  ClientId client;
  HwAddress hw;
  std::string hostname;
  TimePoint hold_until{};  // the offer is held until then
};

// What changed since the last write, as values: a worker thread can write it while the engine goes on.
struct LeaseChanges {
  std::vector<Lease> written;
  std::vector<Ipv4> removed;
  bool empty() const { return written.empty() && removed.empty(); }
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Every record naming this client (usually zero or one).
  virtual std::vector<Lease> find_by_client(const ClientId& client) const = 0;
  virtual std::optional<Lease> find_by_address(Ipv4 address) const = 0;

  // The address allocate() would pick, without holding it (for `explain`). Addresses never leased
  // come first, then released and expired ones.
  virtual std::optional<Ipv4> find_free(const AllocationRequest& request, TimePoint now) const = 0;
  // Picks a free address and records it as `offered` to the client until request.hold_until.
  virtual std::optional<Lease> allocate(const AllocationRequest& request, TimePoint now) = 0;
  // Writes `lease` if its address is free for lease.client at `now` (see free_for); false when
  // another client holds it. This is the single point where two clients can race for an address.
  virtual bool commit(const Lease& lease, TimePoint now) = 0;
  // The client gives the address back: an offer is dropped, a binding becomes `released`.
  virtual bool release(Ipv4 address, const ClientId& client) = 0;
  // Someone else uses the address: quarantine it (no client) until `until`.
  virtual void decline(Ipv4 address, TimePoint until) = 0;

  virtual std::vector<Lease> list() const = 0;
  // Drops lapsed offers and quarantines; returns how many. Expired bindings stay (for affinity) and
  // are simply free for anyone.
  virtual std::size_t expire(TimePoint now) = 0;
  // Makes every change so far durable (one transaction). Call before sending the replies they
  // produced: an ACK must never name a lease a crash could forget.
  virtual Result<Ok, StoreError> flush() = 0;

  // flush() in two steps, so the wait for the disk can happen off the engine's thread:
  // take_changes() and requeue() (after a failed write) on the engine's thread, write() on one other
  // thread, one call at a time. A store with nothing to make durable keeps these defaults.
  virtual LeaseChanges take_changes() { return {}; }
  virtual Result<Ok, StoreError> write(const LeaseChanges&) { return Ok{}; }
  virtual void requeue(const LeaseChanges&) {}
};

}  // namespace bootgate::dhcp
