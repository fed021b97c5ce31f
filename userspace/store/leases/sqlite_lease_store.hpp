#pragma once
// The embedded lease database: SQLite in WAL mode, durable across restarts and kill -9.
//
// Reads come from an in-memory copy of the table (MemoryLeaseStore), so allocation never waits on
// disk. Changes are journalled per address and written in one transaction, by flush() or by
// take_changes() + write() (the datapath writes on a worker thread), before the ACKs they produced
// are sent (group commit). Offers are never written; they are worth nothing after a restart.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include "core/common/result.hpp"
#include "core/dhcp/lease_store.hpp"
#include "core/dhcp/memory_lease_store.hpp"

namespace bootgate::store {

struct SqliteClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteFinalize {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteClose>;
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

// The engine's times are steady-clock; the file holds wall-clock milliseconds so a lease keeps its
// end across a reboot. unix_ms = steady_ms + offset_ms.
struct WallClockMap {
  std::int64_t offset_ms = 0;
  static WallClockMap now();  // from the two clocks, at startup
  std::int64_t to_unix_ms(TimePoint t) const;
  TimePoint from_unix_ms(std::int64_t ms) const;
};

struct SqliteLeaseStoreOptions {
  bool read_only = false;  // `bootgate leases` while the server runs
  bool sync_full = true;   // fsync each commit (power loss safe); false: survives process crashes only
  WallClockMap clock = WallClockMap::now();
};

class SqliteLeaseStore final : public dhcp::LeaseStore {
 public:
  static Result<std::unique_ptr<SqliteLeaseStore>, dhcp::StoreError> open(const std::string& path,
                                                                          SqliteLeaseStoreOptions options = {});

  std::vector<dhcp::Lease> find_by_client(const dhcp::ClientId& client) const override {
    return cache_.find_by_client(client);
  }
  std::optional<dhcp::Lease> find_by_address(dhcp::Ipv4 address) const override {
    return cache_.find_by_address(address);
  }
  std::optional<dhcp::Ipv4> find_free(const dhcp::AllocationRequest& r, TimePoint now) const override {
    return cache_.find_free(r, now);
  }
  std::optional<dhcp::Lease> allocate(const dhcp::AllocationRequest& r, TimePoint now) override {
    return cache_.allocate(r, now);
  }
  bool commit(const dhcp::Lease& lease, TimePoint now) override { return cache_.commit(lease, now); }
  bool release(dhcp::Ipv4 address, const dhcp::ClientId& client) override { return cache_.release(address, client); }
  void decline(dhcp::Ipv4 address, TimePoint until) override { cache_.decline(address, until); }
  std::vector<dhcp::Lease> list() const override { return cache_.list(); }
  std::size_t expire(TimePoint now) override { return cache_.expire(now); }
  Result<Ok, dhcp::StoreError> flush() override;
  dhcp::LeaseChanges take_changes() override;
  // Touches only the database connection: safe on another thread while the engine runs.
  Result<Ok, dhcp::StoreError> write(const dhcp::LeaseChanges& changes) override;
  void requeue(const dhcp::LeaseChanges& changes) override;

  std::size_t pending() const { return dirty_.size(); }  // addresses changed since the last flush
  const std::string& path() const { return path_; }

  // Only open() can make one (passkey): the store must not exist half set up.
  class Key {
    friend class SqliteLeaseStore;
    Key() = default;
  };
  SqliteLeaseStore(Key, SqliteDb db, std::string path, SqliteLeaseStoreOptions options);

 private:
  Result<Ok, dhcp::StoreError> load();
  dhcp::StoreError error(const std::string& what) const;

  SqliteDb db_;
  SqliteStatement upsert_;
  SqliteStatement remove_;
  std::string path_;
  SqliteLeaseStoreOptions options_;
  dhcp::MemoryLeaseStore cache_;
  std::unordered_set<dhcp::Ipv4> dirty_;
};

}  // namespace bootgate::store
