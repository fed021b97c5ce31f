#include "store/leases/sqlite_lease_store.hpp"

#include <algorithm>
#include <limits>

namespace bootgate::store {
namespace {

constexpr std::int64_t kNeverMs = std::numeric_limits<std::int64_t>::max();

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS leases (
  address   INTEGER PRIMARY KEY,   -- IPv4, host byte order
  client_id BLOB    NOT NULL,      -- option 61, or htype + chaddr
  hw_type   INTEGER NOT NULL,
  hw_addr   BLOB    NOT NULL,
  hostname  TEXT    NOT NULL DEFAULT '',
  state     INTEGER NOT NULL,      -- 2 bound, 3 released, 4 declined
  expires   INTEGER NOT NULL       -- unix milliseconds; 9223372036854775807 = never
);
CREATE INDEX IF NOT EXISTS leases_by_client ON leases(client_id);
PRAGMA user_version = 1;
)sql";

// Runs SQL without results; the error text is SQLite's.
bool exec(sqlite3* db, const char* sql, std::string& err) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  err = msg ? msg : sqlite3_errmsg(db);
  sqlite3_free(msg);
  return false;
}

SqliteStatement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return nullptr;
  return SqliteStatement(s);
}

}  // namespace

WallClockMap WallClockMap::now() {
  using namespace std::chrono;
  const auto wall = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const auto steady = duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
  return WallClockMap{wall - steady};
}

std::int64_t WallClockMap::to_unix_ms(TimePoint t) const {
  if (t == dhcp::kNever) return kNeverMs;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() + offset_ms;
}

TimePoint WallClockMap::from_unix_ms(std::int64_t ms) const {
  if (ms == kNeverMs) return dhcp::kNever;
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms - offset_ms)));
}

SqliteLeaseStore::SqliteLeaseStore(Key, SqliteDb db, std::string path, SqliteLeaseStoreOptions options)
    : db_(std::move(db)), path_(std::move(path)), options_(options) {}

dhcp::StoreError SqliteLeaseStore::error(const std::string& what) const {
  return dhcp::StoreError{path_ + ": " + what + ": " + sqlite3_errmsg(db_.get())};
}

Result<std::unique_ptr<SqliteLeaseStore>, dhcp::StoreError> SqliteLeaseStore::open(const std::string& path,
                                                                                 SqliteLeaseStoreOptions options) {
  sqlite3* raw = nullptr;
  const int flags = options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK)
    return Unexpected{dhcp::StoreError{path + ": cannot open lease database: " + (raw ? sqlite3_errmsg(raw) : "out of memory")}};
  sqlite3_busy_timeout(db.get(), 2000);  // a concurrent `bootgate leases` reader
  std::string err;
  if (!options.read_only) {
    const std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                                (options.sync_full ? "FULL;" : "NORMAL;");
    if (!exec(db.get(), pragmas.c_str(), err) || !exec(db.get(), kSchema, err))
      return Unexpected{dhcp::StoreError{path + ": cannot set up lease database: " + err}};
  }
  auto store = std::make_unique<SqliteLeaseStore>(Key{}, std::move(db), path, options);
  if (!options.read_only) {
    store->upsert_ = prepare(store->db_.get(),
                             "INSERT OR REPLACE INTO leases(address, client_id, hw_type, hw_addr, hostname, state, expires) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    store->remove_ = prepare(store->db_.get(), "DELETE FROM leases WHERE address = ?1");
    if (!store->upsert_ || !store->remove_) return Unexpected{store->error("cannot prepare statements")};
  }
  if (auto r = store->load(); !r) return Unexpected{r.error()};
  // Only changes after loading are journalled.
  auto* self = store.get();
  store->cache_.on_change([self](dhcp::Ipv4 a) { self->dirty_.insert(a); });
  return store;
}

Result<Ok, dhcp::StoreError> SqliteLeaseStore::load() {
  auto q = prepare(db_.get(), "SELECT address, client_id, hw_type, hw_addr, hostname, state, expires FROM leases");
  if (!q) return Unexpected{error("cannot read leases")};
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    dhcp::Lease l;
    const auto address = sqlite3_column_int64(q.get(), 0);
    const auto state = sqlite3_column_int(q.get(), 5);
    if (address <= 0 || address > 0xffffffffll || state < 2 || state > 4) continue;  // not ours: skip, keep serving
    l.address = static_cast<dhcp::Ipv4>(address);
    const auto* cid = static_cast<const char*>(sqlite3_column_blob(q.get(), 1));
    l.client.bytes.assign(cid ? cid : "", static_cast<std::size_t>(sqlite3_column_bytes(q.get(), 1)));
    l.hw.type = static_cast<std::uint8_t>(sqlite3_column_int(q.get(), 2));
    const auto* hw = static_cast<const std::uint8_t*>(sqlite3_column_blob(q.get(), 3));
    l.hw.length = static_cast<std::uint8_t>(std::min(sqlite3_column_bytes(q.get(), 3), 16));
    if (hw) std::copy_n(hw, l.hw.length, l.hw.bytes.begin());
    const auto* name = sqlite3_column_text(q.get(), 4);
    l.hostname = name ? reinterpret_cast<const char*>(name) : "";
    l.state = static_cast<dhcp::LeaseState>(state);
    l.expires = options_.clock.from_unix_ms(sqlite3_column_int64(q.get(), 6));
    cache_.load(l);
  }
  if (rc != SQLITE_DONE) return Unexpected{error("cannot read leases")};
  return Ok{};
}

Result<Ok, dhcp::StoreError> SqliteLeaseStore::flush() {
  auto changes = take_changes();
  auto r = write(changes);
  if (!r) requeue(changes);
  return r;
}

dhcp::LeaseChanges SqliteLeaseStore::take_changes() {
  dhcp::LeaseChanges c;
  for (const auto address : dirty_) {
    const dhcp::Lease* l = cache_.peek(address);
    if (!l) c.removed.push_back(address);
    else if (l->state != dhcp::LeaseState::offered) c.written.push_back(*l);  // an offer leaves the row as it was
  }
  dirty_.clear();
  return c;
}

void SqliteLeaseStore::requeue(const dhcp::LeaseChanges& changes) {
  // The cache holds the newest state of each address; the next write takes it from there.
  for (const auto& l : changes.written) dirty_.insert(l.address);
  for (const auto a : changes.removed) dirty_.insert(a);
}

Result<Ok, dhcp::StoreError> SqliteLeaseStore::write(const dhcp::LeaseChanges& changes) {
  if (changes.empty()) return Ok{};
  if (options_.read_only) return Unexpected{dhcp::StoreError{path_ + ": lease database is open read-only"}};
  std::string err;
  if (!exec(db_.get(), "BEGIN IMMEDIATE", err)) return Unexpected{dhcp::StoreError{path_ + ": " + err}};
  auto fail = [&](const char* what) {
    auto e = error(what);
    std::string ignored;
    exec(db_.get(), "ROLLBACK", ignored);
    return Unexpected{e};
  };
  for (const auto address : changes.removed) {
    sqlite3_stmt* s = remove_.get();
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_int64(s, 1, address);
    if (sqlite3_step(s) != SQLITE_DONE) return fail("cannot write lease");
  }
  for (const auto& l : changes.written) {
    sqlite3_stmt* s = upsert_.get();
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_int64(s, 1, l.address);
    sqlite3_bind_blob(s, 2, l.client.bytes.data(), static_cast<int>(l.client.bytes.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 3, l.hw.type);
    sqlite3_bind_blob(s, 4, l.hw.bytes.data(), l.hw.length, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, l.hostname.data(), static_cast<int>(l.hostname.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 6, static_cast<int>(l.state));
    sqlite3_bind_int64(s, 7, options_.clock.to_unix_ms(l.expires));
    if (sqlite3_step(s) != SQLITE_DONE) return fail("cannot write lease");
  }
  if (!exec(db_.get(), "COMMIT", err)) return fail("cannot commit leases");
  return Ok{};
}

}  // namespace bootgate::store
