// Two keydesk processes (or two servers on one PostgreSQL) writing the same record at the same time:
// no update is lost, and no HOTP counter value is won twice.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "store_fixture.h"

namespace keydesk::store::testing {
namespace {

constexpr const char* kA = "4090A1B2C3D4E5F60718";

struct WorkerOutcome {
  int exit_code = -1;
  int wins = 0;
  int conflicts = 0;
  std::string output;
};

template <typename B>
class Concurrency : public StoreFixture<B> {
 protected:
  // Starts `workers` store_worker processes, lets them go at once, and waits for all of them.
  std::vector<WorkerOutcome> run_workers(const std::string& mode, int count, int workers = 2) {
    const std::string barrier = this->dir_.path() + "/barrier";
    std::filesystem::create_directories(barrier);
    std::vector<pid_t> pids;
    for (int w = 0; w < workers; ++w)
      pids.push_back(start_process({STORE_WORKER, mode, this->url_, this->key_, kA, "w" + std::to_string(w),
                                    std::to_string(count), barrier},
                                   this->dir_.path() + "/worker" + std::to_string(w) + ".out"));
    for (pid_t p : pids) EXPECT_GT(p, 0);
    // Wait for every worker to have opened the store, then release them together.
    for (int w = 0; w < workers; ++w)
      while (!std::filesystem::exists(barrier + "/ready.w" + std::to_string(w))) {
        if (::kill(pids[static_cast<size_t>(w)], 0) != 0) break;  // it died before it got there
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    std::ofstream(barrier + "/go") << "go\n";
    std::vector<WorkerOutcome> out;
    for (int w = 0; w < workers; ++w) {
      WorkerOutcome o;
      o.exit_code = wait_process(pids[static_cast<size_t>(w)]);
      std::ifstream in(this->dir_.path() + "/worker" + std::to_string(w) + ".out");
      std::stringstream ss;
      ss << in.rdbuf();
      o.output = ss.str();
      std::sscanf(o.output.c_str(), "wins=%d conflicts=%d", &o.wins, &o.conflicts);
      EXPECT_EQ(o.exit_code, 0) << o.output;
      out.push_back(o);
    }
    return out;
  }
};
TYPED_TEST_SUITE(Concurrency, Backends, BackendNames);

TYPED_TEST(Concurrency, TwoProcessesUpdatingOneRecordLoseNothing) {
  ASSERT_TRUE(this->create(kA).ok());
  constexpr int kEach = 25;
  auto outcomes = this->run_workers("update", kEach);
  auto record = this->store_->get_record(cuid(kA));
  ASSERT_TRUE(record.ok()) << describe(record.error());
  std::set<std::string> names;
  for (const auto& o : record->oath) names.insert(o.name);
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < kEach; ++i)
      EXPECT_TRUE(names.count("w" + std::to_string(w) + "-" + std::to_string(i)))
          << "lost update w" << w << "-" << i;
  EXPECT_EQ(record->oath.size(), 2u + 2 * kEach);
  EXPECT_EQ(record->version, 1 + 2 * kEach);
  auto report = this->store_->verify_audit();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->findings.front().detail;
  EXPECT_EQ(report->entries, 2 + 2 * kEach);
}

TYPED_TEST(Concurrency, OptimisticWritersConflictAndRetryInsteadOfOverwriting) {
  ASSERT_TRUE(this->create(kA).ok());
  constexpr int kEach = 25;
  auto outcomes = this->run_workers("optimistic", kEach);
  auto record = this->store_->get_record(cuid(kA));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->oath.size(), 2u + 2 * kEach) << "a stale save_record overwrote another process's change";
  EXPECT_EQ(record->version, 1 + 2 * kEach);
  ::testing::Test::RecordProperty("conflicts", outcomes[0].conflicts + outcomes[1].conflicts);
  EXPECT_TRUE(this->store_->verify_audit()->ok());
}

TYPED_TEST(Concurrency, TwoValidatorsNeverWinTheSameCounterValue) {
  ASSERT_TRUE(this->create(kA).ok());
  constexpr int kSteps = 60;
  auto outcomes = this->run_workers("counter", kSteps);
  EXPECT_EQ(outcomes[0].wins + outcomes[1].wins, kSteps) << outcomes[0].output << outcomes[1].output;
  auto record = this->store_->get_record(cuid(kA));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->oath[1].name, "vpn");
  EXPECT_EQ(record->oath[1].counter, static_cast<uint64_t>(kSteps));
  // Every value from 0 to kSteps-1 was advanced exactly once, by one of the two.
  auto trail = this->store_->audit_trail(kA, 1000);
  ASSERT_TRUE(trail.ok());
  std::multiset<int64_t> from;
  for (const auto& e : *trail)
    if (e.action == "oath.counter")
      from.insert(nlohmann::json::parse(e.details)["from"].template get<int64_t>());
  ASSERT_EQ(from.size(), static_cast<size_t>(kSteps));
  for (int64_t v = 0; v < kSteps; ++v) EXPECT_EQ(from.count(v), 1u) << "counter value " << v;
  EXPECT_TRUE(this->store_->verify_audit()->ok());
}

}  // namespace
}  // namespace keydesk::store::testing
