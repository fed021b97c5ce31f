#include "core/dhcp/memory_lease_store.hpp"

#include <algorithm>

namespace bootgate::dhcp {

const Lease* MemoryLeaseStore::peek(Ipv4 address) const {
  auto it = by_address_.find(address);
  return it == by_address_.end() ? nullptr : &it->second;
}

std::vector<Lease> MemoryLeaseStore::find_by_client(const ClientId& client) const {
  std::vector<Lease> out;
  if (auto it = by_client_.find(client); it != by_client_.end())
    for (auto a : it->second) out.push_back(by_address_.at(a));
  return out;
}

std::optional<Lease> MemoryLeaseStore::find_by_address(Ipv4 address) const {
  if (const auto* l = peek(address)) return *l;
  return std::nullopt;
}

void MemoryLeaseStore::put(const Lease& lease) {
  if (auto it = by_address_.find(lease.address); it != by_address_.end()) {
    if (!(it->second.client == lease.client)) {
      auto& old = by_client_[it->second.client];
      std::erase(old, lease.address);
      if (old.empty()) by_client_.erase(it->second.client);
      if (!lease.client.bytes.empty()) by_client_[lease.client].push_back(lease.address);
    }
    it->second = lease;
  } else {
    by_address_.emplace(lease.address, lease);
    if (!lease.client.bytes.empty()) by_client_[lease.client].push_back(lease.address);
  }
  changed(lease.address);
}

void MemoryLeaseStore::erase(Ipv4 address) {
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  if (auto c = by_client_.find(it->second.client); c != by_client_.end()) {
    std::erase(c->second, address);
    if (c->second.empty()) by_client_.erase(c);
  }
  by_address_.erase(it);
  changed(address);
}

std::optional<Ipv4> MemoryLeaseStore::search(const AllocationRequest& r, TimePoint now) const {
  auto excluded = [&r](Ipv4 a) { return std::binary_search(r.excluded.begin(), r.excluded.end(), a); };
  // Pass 1 keeps lapsed addresses for their old owners as long as fresh ones remain.
  for (const auto& range : r.ranges) {
    auto c = cursor_.find(range.first);
    const Ipv4 start = c == cursor_.end() ? range.first : c->second;
    auto hit = scan_range(range, start, [&](Ipv4 a) { return !excluded(a) && !by_address_.contains(a); });
    if (hit) return hit;
  }
  for (const auto& range : r.ranges) {
    auto hit = scan_range(range, range.first, [&](Ipv4 a) {
      if (excluded(a)) return false;
      const auto* l = peek(a);
      return !l || free_for(*l, r.client, now);
    });
    if (hit) return hit;
  }
  return std::nullopt;
}

std::optional<Ipv4> MemoryLeaseStore::find_free(const AllocationRequest& request, TimePoint now) const {
  return search(request, now);
}

std::optional<Lease> MemoryLeaseStore::allocate(const AllocationRequest& r, TimePoint now) {
  auto a = search(r, now);
  if (!a) return std::nullopt;
  for (const auto& range : r.ranges)
    if (range.contains(*a)) cursor_[range.first] = (*a == range.last) ? range.first : *a + 1;
  Lease l{*a, r.client, r.hw, r.hostname, LeaseState::offered, r.hold_until};
  put(l);
  return l;
}

bool MemoryLeaseStore::commit(const Lease& lease, TimePoint now) {
  if (const auto* existing = peek(lease.address); existing && !free_for(*existing, lease.client, now)) return false;
  put(lease);
  return true;
}

bool MemoryLeaseStore::release(Ipv4 address, const ClientId& client) {
  const auto* l = peek(address);
  if (!l || !(l->client == client)) return false;
  if (l->state == LeaseState::offered) {
    erase(address);
  } else if (l->state == LeaseState::bound) {
    Lease copy = *l;
    copy.state = LeaseState::released;
    put(copy);
  }
  return true;
}

void MemoryLeaseStore::decline(Ipv4 address, TimePoint until) {
  put(Lease{address, ClientId{}, HwAddress{}, {}, LeaseState::declined, until});
}

std::vector<Lease> MemoryLeaseStore::list() const {
  std::vector<Lease> out;
  out.reserve(by_address_.size());
  for (const auto& [a, l] : by_address_) out.push_back(l);
  std::sort(out.begin(), out.end(), [](const Lease& x, const Lease& y) { return x.address < y.address; });
  return out;
}

std::size_t MemoryLeaseStore::expire(TimePoint now) {
  std::vector<Ipv4> gone;
  for (const auto& [a, l] : by_address_)
    if ((l.state == LeaseState::offered || l.state == LeaseState::declined) && !l.active(now)) gone.push_back(a);
  for (auto a : gone) erase(a);
  return gone.size();
}

}  // namespace bootgate::dhcp
