#include "postgres_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "test_process.h"

namespace keydesk::store::testing {
namespace {

// The newest /usr/lib/postgresql/N/bin holding initdb (Debian's layout).
std::string find_bin_dir() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = entry.path().string() + "/bin";
    if (!std::filesystem::exists(bin + "/initdb", ec)) continue;
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(s);
  return port;
}

// initdb and pg_ctl refuse to run as root: as root they run as the postgres user Debian's
// postgresql-common creates.
std::vector<std::string> as_cluster_owner(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

}  // namespace

PostgresCluster& PostgresCluster::instance() {
  static PostgresCluster cluster;
  return cluster;
}

std::string PostgresCluster::start() {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty())
    return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup.sh";
  std::string templ = (std::filesystem::temp_directory_path() / "kdpg.XXXXXX").string();
  if (!::mkdtemp(templ.data())) return "mkdtemp failed";
  base_dir_ = templ;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) return "no postgres user (postgresql-common creates it): run scripts/setup.sh";
    if (::chown(base_dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "chown of the cluster dir failed";
  }
  const std::string data = base_dir_ + "/data";
  auto init = run_process(as_cluster_owner({bin_dir_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                                            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"}));
  if (init.exit_code != 0) return "initdb failed: " + init.output;
  port_ = free_port();
  // The tests need PostgreSQL's semantics (locks, isolation), not its durability: fsync off keeps them
  // fast on a shared disk. bench/ runs its own cluster with the defaults.
  const std::string options = "-k " + base_dir_ + " -p " + std::to_string(port_) +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                              " -c full_page_writes=off -c max_connections=50";
  auto start =
      run_process(as_cluster_owner({bin_dir_ + "/pg_ctl", "-D", data, "-l", base_dir_ + "/server.log", "-w",
                                    "-t", "60", "-o", options, "start"}));
  if (start.exit_code != 0) return "pg_ctl start failed: " + start.output;
  data_dir_ = data;
  auto created = run_process({"psql", "-v", "ON_ERROR_STOP=1", "-q",
                              "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres", "-c",
                              "CREATE DATABASE keydesk"});
  if (created.exit_code != 0) return "CREATE DATABASE failed: " + created.output;
  return {};
}

void PostgresCluster::stop() {
  if (data_dir_.empty()) return;
  run_process(as_cluster_owner({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "stop"}));
  data_dir_.clear();
  std::error_code ec;
  std::filesystem::remove_all(base_dir_, ec);
}

std::string PostgresCluster::url_for_schema(const std::string& schema) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/keydesk?options=-csearch_path%3D" +
         schema;
}

std::string PostgresCluster::new_schema_url() {
  const std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(++schemas_);
  psql(url_for_schema("public"), "CREATE SCHEMA " + schema);
  return url_for_schema(schema);
}

void PostgresEnvironment::SetUp() {
  const std::string error = PostgresCluster::instance().start();
  if (!error.empty()) {
    PostgresCluster::instance().stop();
    FAIL() << "cannot start the test's PostgreSQL cluster: " << error;
  }
}

void PostgresEnvironment::TearDown() {
  PostgresCluster::instance().stop();
}

std::string psql(const std::string& url, const std::string& sql) {
  auto r = run_process({"psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", url, "-c", sql});
  EXPECT_EQ(r.exit_code, 0) << "psql: " << sql << "\n" << r.output;
  return r.output;
}

}  // namespace keydesk::store::testing
