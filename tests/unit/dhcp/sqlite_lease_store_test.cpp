// The SQLite lease store: leases survive closing the file and a real kill -9, changes are durable
// only after flush() (group commit), offers are not written, declined addresses stay held back,
// and expired leases are handed out again.
#include "store/leases/sqlite_lease_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "dhcp/dhcp_test_support.hpp"

namespace bootgate::store {
namespace {

using namespace std::chrono_literals;
using dhcp::testing::ip;
using dhcp::testing::mac;

class SqliteLeaseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bootgate-leases-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "leases.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteLeaseStore> open(std::int64_t offset_ms = 1'700'000'000'000) {
    SqliteLeaseStoreOptions o;
    o.clock.offset_ms = offset_ms;
    auto s = SqliteLeaseStore::open(path_, o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : nullptr;
  }

  dhcp::Lease bound(dhcp::Ipv4 a, std::uint8_t who, TimePoint until) {
    return dhcp::Lease{a, dhcp::ClientId::from_hw(mac(who)), mac(who), "host" + std::to_string(who),
                       dhcp::LeaseState::bound, until};
  }

  dhcp::AllocationRequest pool_request(std::uint8_t who, TimePoint hold) {
    dhcp::AllocationRequest r;
    r.ranges = ranges_;
    r.client = dhcp::ClientId::from_hw(mac(who));
    r.hw = mac(who);
    r.hold_until = hold;
    return r;
  }

  std::filesystem::path dir_;
  std::string path_;
  TimePoint now_{std::chrono::hours(5000)};
  std::vector<dhcp::AddressRange> ranges_{{ip("10.0.0.10"), ip("10.0.0.11")}};
};

TEST_F(SqliteLeaseStoreTest, LeaseSurvivesReopen) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.11"), 2, dhcp::kNever), now_));  // infinite (BOOTP)
    EXPECT_EQ(s->pending(), 2u);
    ASSERT_TRUE(s->flush().ok());
    EXPECT_EQ(s->pending(), 0u);
  }
  auto s = open();
  auto l = s->find_by_address(ip("10.0.0.10"));
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, bound(ip("10.0.0.10"), 1, now_ + 1h));
  EXPECT_EQ(s->find_by_client(dhcp::ClientId::from_hw(mac(1))).size(), 1u);
  EXPECT_EQ(s->find_by_address(ip("10.0.0.11"))->expires, dhcp::kNever);
  // The pool is full of live leases: nobody else gets either address.
  EXPECT_FALSE(s->allocate(pool_request(3, now_ + 1min), now_));
}

TEST_F(SqliteLeaseStoreTest, WallClockTimeIsKeptAcrossAReboot) {
  {
    auto s = open(1'000'000);
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
    ASSERT_TRUE(s->flush().ok());
  }
  // After a reboot the steady clock restarted: the same wall instant has a smaller steady value.
  const std::int64_t shift_ms = 3'600'000 * 100;
  auto s = open(1'000'000 + shift_ms);
  EXPECT_EQ(s->find_by_address(ip("10.0.0.10"))->expires, now_ + 1h - std::chrono::milliseconds(shift_ms));
}

TEST_F(SqliteLeaseStoreTest, FlushedLeaseSurvivesKill9AndUnflushedDoesNot) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest in here: do the work, then die the hard way.
    SqliteLeaseStoreOptions o;
    o.clock.offset_ms = 1'700'000'000'000;
    auto s = SqliteLeaseStore::open(path_, o);
    if (!s.ok()) ::_exit(2);
    auto& store = *s.value();
    store.commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_);
    if (!store.flush().ok()) ::_exit(3);
    store.commit(bound(ip("10.0.0.11"), 2, now_ + 1h), now_);  // never flushed
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto s = open();
  EXPECT_TRUE(s->find_by_address(ip("10.0.0.10")));
  EXPECT_FALSE(s->find_by_address(ip("10.0.0.11")));
}

TEST_F(SqliteLeaseStoreTest, WritesOnAnotherThreadWhileTheEngineGoesOn) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
    ASSERT_TRUE(s->allocate(pool_request(3, now_ + 1min), now_));  // an offer: not part of the changes
    auto changes = s->take_changes();
    EXPECT_EQ(changes.written.size(), 1u);
    EXPECT_EQ(s->pending(), 0u);
    Result<Ok, dhcp::StoreError> r = Ok{};
    std::thread writer([&] { r = s->write(changes); });
    // Meanwhile the engine changes the table: that goes into the next write, not this one.
    EXPECT_TRUE(s->release(ip("10.0.0.10"), dhcp::ClientId::from_hw(mac(1))));
    writer.join();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(s->pending(), 1u);  // the release
  }
  auto s = open();
  ASSERT_TRUE(s->find_by_address(ip("10.0.0.10")));
  EXPECT_EQ(s->find_by_address(ip("10.0.0.10"))->state, dhcp::LeaseState::bound);  // the release was never written
}

TEST_F(SqliteLeaseStoreTest, AFailedWriteIsRequeued) {
  { open(); }  // create the file
  SqliteLeaseStoreOptions o;
  o.read_only = true;
  auto s = SqliteLeaseStore::open(path_, o);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.value()->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
  auto changes = s.value()->take_changes();
  auto r = s.value()->write(changes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
  s.value()->requeue(changes);
  EXPECT_EQ(s.value()->pending(), 1u);  // the next write tries again
  EXPECT_FALSE(s.value()->flush().ok());
  EXPECT_EQ(s.value()->pending(), 1u);
}

TEST_F(SqliteLeaseStoreTest, OffersAreNotWrittenButBindingsAre) {
  {
    auto s = open();
    auto offer = s->allocate(pool_request(1, now_ + 1min), now_);
    ASSERT_TRUE(offer);
    ASSERT_TRUE(s->flush().ok());
  }
  EXPECT_TRUE(open()->list().empty());
}

TEST_F(SqliteLeaseStoreTest, ReleaseAndDeclineArePersisted) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
    ASSERT_TRUE(s->commit(bound(ip("10.0.0.11"), 2, now_ + 1h), now_));
    ASSERT_TRUE(s->flush().ok());
    EXPECT_TRUE(s->release(ip("10.0.0.10"), dhcp::ClientId::from_hw(mac(1))));
    s->decline(ip("10.0.0.11"), now_ + 10min);
    ASSERT_TRUE(s->flush().ok());
  }
  auto s = open();
  EXPECT_EQ(s->find_by_address(ip("10.0.0.10"))->state, dhcp::LeaseState::released);
  EXPECT_EQ(s->find_by_address(ip("10.0.0.11"))->state, dhcp::LeaseState::declined);
  // The declined address is held back; the released one is free for a newcomer.
  auto got = s->allocate(pool_request(3, now_ + 1min), now_);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->address, ip("10.0.0.10"));
  EXPECT_FALSE(s->allocate(pool_request(4, now_ + 1min), now_));
  // When the quarantine ends, the row goes away, on disk too.
  EXPECT_EQ(s->expire(now_ + 11min), 2u);  // the quarantine and the lapsed offer to client 3
  ASSERT_TRUE(s->flush().ok());
  s.reset();
  EXPECT_FALSE(open()->find_by_address(ip("10.0.0.11")));
}

TEST_F(SqliteLeaseStoreTest, ExpiredLeasesAreReused) {
  auto s = open();
  ASSERT_TRUE(s->commit(bound(ip("10.0.0.10"), 1, now_ + 1h), now_));
  ASSERT_TRUE(s->commit(bound(ip("10.0.0.11"), 2, now_ + 2h), now_));
  ASSERT_TRUE(s->flush().ok());
  EXPECT_FALSE(s->allocate(pool_request(3, now_ + 1min), now_));
  const TimePoint later = now_ + 90min;  // the first lease has lapsed, the second has not
  auto got = s->allocate(pool_request(3, later + 1min), later);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->address, ip("10.0.0.10"));
  // A bound lease for another client is refused on the live address.
  EXPECT_FALSE(s->commit(bound(ip("10.0.0.11"), 3, later + 1h), later));
}

TEST_F(SqliteLeaseStoreTest, DrivesTheServerAndSurvivesARestart) {
  auto cfg = dhcp::testing::basic_config();
  dhcp::RuleBootPolicy boot({});
  dhcp::Ipv4 first = 0;
  {
    auto s = open();
    dhcp::Server server(cfg, *s, boot);
    dhcp::testing::ClientPacket discover(dhcp::MessageType::discover, mac(1));
    auto bytes = discover.bytes();
    dhcp::Received in{bytes, {}, IpAddress::v4(ip("10.0.0.1"))};
    in.now = now_;
    auto offer = server.handle(in);
    ASSERT_TRUE(offer.reply);
    first = dhcp::testing::reply_of(offer).yiaddr;
    auto req = dhcp::testing::ClientPacket(dhcp::MessageType::request, mac(1)).server_id(ip("10.0.0.1")).requested(first).bytes();
    in.payload = req;
    auto ack = server.handle(in);
    ASSERT_EQ(ack.action, dhcp::Action::acked);
    ASSERT_TRUE(ack.store_changed);
    ASSERT_TRUE(s->flush().ok());  // what the datapath does before sending the ACK
  }
  auto s = open();
  dhcp::Server server(cfg, *s, boot);
  auto bytes = dhcp::testing::ClientPacket(dhcp::MessageType::discover, mac(2)).bytes();
  dhcp::Received in{bytes, {}, IpAddress::v4(ip("10.0.0.1"))};
  in.now = now_ + 1min;
  auto offer = server.handle(in);
  ASSERT_TRUE(offer.reply);
  EXPECT_NE(dhcp::testing::reply_of(offer).yiaddr, first);  // never the same address to two clients
}

TEST_F(SqliteLeaseStoreTest, ReportsUnopenableFile) {
  auto s = SqliteLeaseStore::open((dir_ / "missing-dir" / "x.db").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot open lease database"), std::string::npos);
}

}  // namespace
}  // namespace bootgate::store
