// The admin server under hostile clients (the hardening review): an unauthenticated 600 MB POST
// is answered without its body being read, an authenticated oversized one gets 413 unread, a
// slow client is dropped, and live changes build on the running config, not the file.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "actors/llm/http_client.hpp"
#include "app/admin/admin_server.hpp"
#include "app/pipeline/pipeline.hpp"
#include "integration/test_support.hpp"

using namespace tickgate;

namespace {

int64_t rss_kb(pid_t pid = 0) {
  std::ifstream f(pid ? "/proc/" + std::to_string(pid) + "/status" : std::string("/proc/self/status"));
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{10, 0};  // a deadline for every read: a failed test, never a hang
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

/// Sends the head of a POST announcing `length` bytes, then body chunks until the server stops
/// taking them or `length` is sent; returns (the status line, body bytes sent).
std::pair<std::string, size_t> big_post(int port, size_t length, const std::string& auth) {
  int fd = connect_to(port);
  std::string head = "POST /ai-cost/event-thresholds HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                     auth + "Content-Length: " + std::to_string(length) + "\r\n\r\n";
  EXPECT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const std::string chunk(1 << 20, ' ');
  size_t sent = 0;
  while (sent < length) {
    auto n = ::send(fd, chunk.data(), std::min(chunk.size(), length - sent), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed: it will not read the rest
    sent += static_cast<size_t>(n);
  }
  char buf[512] = {};
  auto n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  std::string reply = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  return {reply.substr(0, reply.find("\r\n")), sent};
}

struct limits_fixture : ::testing::Test {
  void SetUp() override {
    setenv("TICKGATE_TEST_ADMIN_TOKEN", "s3cret-admin", 1);
    cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json",
                      {"admin.token_env=\"TICKGATE_TEST_ADMIN_TOKEN\"", "admin.read_timeout_ms=300"});
    control.attach(cfg, store.get(), [](std::shared_ptr<const config>) {});
    server = std::make_unique<admin_server>(stats, *store, control, cfg);
    server->start("127.0.0.1:0");
  }
  std::shared_ptr<const config> cfg;
  std::unique_ptr<kv_store> store = make_memory_store();
  stats_registry stats;
  pipeline_control control;
  std::unique_ptr<admin_server> server;
};

}  // namespace

/// `tickgate run` as its own process (so that its memory is measured alone), admin on `port`.
struct server_process {
  explicit server_process(int port) {
    dir = tickgate::testing::temp_dir("admin-limits-" + std::to_string(port));
    pid = fork();
    if (pid == 0) {
      setenv("TICKGATE_ADMIN_TOKEN", "s3cret-admin", 1);
      const std::string log = dir + "/log";
      freopen(log.c_str(), "w", stdout);
      freopen(log.c_str(), "a", stderr);
      const std::string admin = "127.0.0.1:" + std::to_string(port), data = dir + "/data";
      execl(TICKGATE_BINARY, TICKGATE_BINARY, "run", "--data-dir", data.c_str(), "--admin",
            admin.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Up when the admin port accepts (a deadline, not a sleep: a failed test, never a hang).
    for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         std::chrono::steady_clock::now() < end;) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (up) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "tickgate did not start";
  }
  ~server_process() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  std::string dir;
  pid_t pid = -1;
};

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(admin_limits_process, a_600_mb_post_leaves_the_server_rss_where_it_was) {
  const int port = free_port();
  server_process server(port);
  const auto before = rss_kb(server.pid);
  ASSERT_GT(before, 0);
  auto unauth = big_post(port, 600u << 20, "");
  EXPECT_NE(unauth.first.find(" 401 "), std::string::npos) << unauth.first;
  auto oversized = big_post(port, 600u << 20, "Authorization: Bearer s3cret-admin\r\n");
  EXPECT_NE(oversized.first.find(" 413 "), std::string::npos) << oversized.first;
  const auto after = rss_kb(server.pid);
  EXPECT_LT(after - before, 16 * 1024) << "before " << before << " kB, after " << after << " kB";
  std::printf("admin: server RSS %ld kB before, %ld kB after two 600 MB POSTs\n",
              static_cast<long>(before), static_cast<long>(after));
}

TEST_F(limits_fixture, a_client_slower_than_the_read_timeout_is_dropped_and_health_still_answers) {
  int slow = connect_to(server->port());
  std::string part = "GET /healthz HTTP/1.1\r\nHost: x\r\n";  // headers never finished
  ASSERT_GT(::send(slow, part.data(), part.size(), MSG_NOSIGNAL), 0);
  // Dropped by the server after its read timeout (300 ms): whatever it says first, the
  // connection ends well within the client's own 10 s deadline.
  const auto start = std::chrono::steady_clock::now();
  char buf[256];
  ssize_t n = 0;
  while ((n = ::recv(slow, buf, sizeof buf, 0)) > 0) {
  }
  EXPECT_EQ(n, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ::close(slow);
  http_client http;
  auto r = http.get("http://127.0.0.1:" + std::to_string(server->port()) + "/healthz", {}, 5000);
  EXPECT_EQ(r.status, 503);  // answered (no consumer assigned in this test)
}

TEST(admin_live_config, builds_on_the_running_config_when_the_file_changed_or_is_gone) {
  const auto dir = tickgate::testing::temp_dir("live-config-file");
  const auto path = dir + "/tickgate.json";
  std::filesystem::copy_file(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", path);
  std::filesystem::copy_file(std::string(TICKGATE_SOURCE_DIR) + "/config/pricing.json",
                             dir + "/pricing.json");
  auto cfg = load_config(path, {"events.price_change_pct=0.7"});
  std::filesystem::remove(path);  // edited away or removed after start
  std::filesystem::remove(dir + "/pricing.json");
  auto store = make_memory_store();
  pipeline_control control;
  std::shared_ptr<const config> seen;
  control.attach(cfg, store.get(), [&](std::shared_ptr<const config> c) { seen = c; });
  EXPECT_EQ(control.apply({"change.score_threshold=55"}), 2u);
  ASSERT_TRUE(seen);
  EXPECT_DOUBLE_EQ(seen->change.score_threshold, 55);
  EXPECT_DOUBLE_EQ(seen->events.price_change_pct, 0.7);  // the start-up override stays
}

TEST(admin_listen, a_bare_port_binds_loopback_and_bad_addresses_are_user_errors) {
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  auto store = make_memory_store();
  stats_registry stats;
  pipeline_control control;
  admin_server a(stats, *store, control, cfg);
  a.start("0");
  EXPECT_GT(a.port(), 0);
  admin_server b(stats, *store, control, cfg);
  EXPECT_THROW(b.start("127.0.0.1:http"), user_error);
  EXPECT_THROW(b.start("127.0.0.1:70000"), user_error);
}
