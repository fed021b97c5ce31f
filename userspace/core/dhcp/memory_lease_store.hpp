#pragma once
// The lease table in memory: the store for tests, and the cache the SQLite store keeps in front of
// its file. Not thread-safe (one engine owns it).
#include <functional>
#include <unordered_map>
#include <vector>

#include "core/dhcp/lease_store.hpp"

namespace bootgate::dhcp {

class MemoryLeaseStore : public LeaseStore {
 public:
  // Called with each address whose record was written or removed (the SQLite store journals them).
  using ChangeHook = std::function<void(Ipv4)>;
  void on_change(ChangeHook hook) { on_change_ = std::move(hook); }

  std::vector<Lease> find_by_client(const ClientId& client) const override;
  std::optional<Lease> find_by_address(Ipv4 address) const override;
  std::optional<Ipv4> find_free(const AllocationRequest& request, TimePoint now) const override;
  std::optional<Lease> allocate(const AllocationRequest& request, TimePoint now) override;
  bool commit(const Lease& lease, TimePoint now) override;
  bool release(Ipv4 address, const ClientId& client) override;
  void decline(Ipv4 address, TimePoint until) override;
  std::vector<Lease> list() const override;
  std::size_t expire(TimePoint now) override;
  Result<Ok, StoreError> flush() override { return Ok{}; }

  // Loads a record as-is (no free check): used when reading a lease file back.
  void load(const Lease& lease) { put(lease); }
  const Lease* peek(Ipv4 address) const;
  std::size_t size() const { return by_address_.size(); }

 private:
  void put(const Lease& lease);
  void erase(Ipv4 address);
  void changed(Ipv4 address) {
    if (on_change_) on_change_(address);
  }
  // Next free address per range: never-leased first, then lapsed records.
  std::optional<Ipv4> search(const AllocationRequest& r, TimePoint now) const;

  std::unordered_map<Ipv4, Lease> by_address_;
  std::unordered_map<ClientId, std::vector<Ipv4>, ClientIdHash> by_client_;
  std::unordered_map<Ipv4, Ipv4> cursor_;  // range.first → where the next search starts
  ChangeHook on_change_;
};

}  // namespace bootgate::dhcp
