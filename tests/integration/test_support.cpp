#include "integration/test_support.hpp"

#include "app/pipeline/pipeline.hpp"

#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <spawn.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tickgate::testing {

using json = nlohmann::json;

fake_openai_server::fake_openai_server(wire w) : server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);
  const bool anthropic = w == wire::anthropic;
  const bool gemini = w == wire::gemini;
  auto handler = [this, anthropic, gemini](const httplib::Request& req, httplib::Response& res) {
    const int n = requests_++;
    const int now_in = ++concurrent_;
    for (int m = max_concurrent_.load(); now_in > m && !max_concurrent_.compare_exchange_weak(m, now_in);) {
    }
    struct leave {
      std::atomic<int>& c;
      ~leave() { --c; }
    } guard{concurrent_};
    fault f;
    {
      std::unique_lock lock{mu_};
      ++bodies_[req.body];
      auth_.push_back(req.get_header_value("Authorization"));
      for (auto h : {"x-api-key", "anthropic-version", "x-goog-api-key"})
        if (req.has_header(h)) key_headers_.push_back(std::string(h) + ": " + req.get_header_value(h));
      if (faults_) f = faults_(n);
      if (hold_after_ == 0) holding_ = true;
      if (hold_after_ > 0) --hold_after_;
      if (holding_) {
        ++held_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !holding_; });
        res.status = 503;
        res.set_content(R"({"error":{"message":"overloaded","type":"server_error"}})",
                        "application/json");
        return;
      }
    }
    if (f.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.delay_ms));
    if (f.status != 0) {
      res.status = f.status;
      if (f.retry_after_s >= 0) res.set_header("Retry-After", std::to_string(f.retry_after_s));
      if (!f.retry_after_raw.empty()) res.set_header("Retry-After", f.retry_after_raw);
      res.set_content(anthropic ? R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})"
                                : R"({"error":{"message":"Rate limit reached","type":"requests"}})",
                      "application/json");
      return;
    }
    if (f.malformed) {
      res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
      return;
    }
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.contains(gemini ? "contents" : "messages")) {
      res.status = 400;
      res.set_content(R"({"error":{"message":"bad request","type":"invalid_request_error"}})",
                      "application/json");
      return;
    }
    {
      std::lock_guard guard{mu_};
      ++paid_[req.body];
    }
    auto user = gemini ? json::parse(body["contents"][0]["parts"][0]["text"].get<std::string>())
                       : json::parse((anthropic ? body["messages"][0] : body["messages"][1])["content"].get<std::string>());
    json analyses = json::array();
    for (auto& s : user["states"])
      analyses.push_back({{"symbol", s["symbol"]}, {"regime", "ranging"}, {"confidence", 0.5},
                          {"rationale", "test server"}});
    const auto text = json{{"analyses", analyses}}.dump();
    json out;
    if (gemini)
      out = {{"candidates", json::array({{{"content", {{"parts", json::array({{{"text", text}}})}, {"role", "model"}}},
                                          {"finishReason", "STOP"},
                                          {"index", 0}}})},
             {"usageMetadata",
              {{"promptTokenCount", 1000},
               {"cachedContentTokenCount", 200},
               {"candidatesTokenCount", 40},
               {"thoughtsTokenCount", 10},
               {"totalTokenCount", 1050}}},
             {"modelVersion", req.matches.size() > 1 ? req.matches[1].str() : ""}};
    else if (anthropic)
      out = {{"id", "msg_test"},
             {"type", "message"},
             {"role", "assistant"},
             {"model", body["model"]},
             {"content", json::array({{{"type", "text"}, {"text", text}}})},
             {"stop_reason", "end_turn"},
             {"usage",
              {{"input_tokens", 800},
               {"cache_creation_input_tokens", 0},
               {"cache_read_input_tokens", 200},
               {"output_tokens", 50}}}};
    else
      out = {{"id", "chatcmpl-test"},
             {"object", "chat.completion"},
             {"created", 1700000000},
             {"model", body["model"]},
             {"choices", json::array({{{"index", 0},
                                       {"message", {{"role", "assistant"}, {"content", text}}},
                                       {"finish_reason", "stop"}}})},
             {"usage",
              {{"prompt_tokens", 1000},
               {"completion_tokens", 50},
               {"total_tokens", 1050},
               {"prompt_tokens_details", {{"cached_tokens", 200}}}}}};
    if (f.usage == "none") out.erase("usage");
    else if (!f.usage.empty()) out["usage"] = json::parse(f.usage);
    if (f.pad_bytes > 0) out["padding"] = std::string(f.pad_bytes, 'p');
    res.set_content(out.dump(), "application/json");
  };
  if (gemini) server_->Post(R"(/v1/models/([^/:]+):generateContent)", handler);
  else if (anthropic) server_->Post("/v1/messages", handler);
  else server_->Post("/v1/chat/completions", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake server: cannot bind");
  // The socket is bound and listening: connections queue until the thread accepts them.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

webhook_receiver::webhook_receiver(int fail_first, int fail_status)
    : server_(std::make_unique<httplib::Server>()), fail_first_(fail_first), fail_status_(fail_status) {
  server_->Post("/hooks/alerts", [this](const httplib::Request& req, httplib::Response& res) {
    if (requests_++ < fail_first_) {
      res.status = fail_status_;
      return;
    }
    std::lock_guard guard{mu_};
    accepted_.push_back(req.body);
    res.set_content("ok", "text/plain");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("webhook receiver: cannot bind");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

webhook_receiver::~webhook_receiver() {
  server_->stop();
  thread_.join();
}

std::string webhook_receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/alerts?token=hook-secret-123";
}

std::vector<std::string> webhook_receiver::accepted() const {
  std::lock_guard guard{mu_};
  return accepted_;
}

void fake_openai_server::set_faults(std::function<fault(int)> f) {
  std::lock_guard guard{mu_};
  faults_ = std::move(f);
}

std::vector<std::string> fake_openai_server::key_headers() const {
  std::lock_guard guard{mu_};
  return key_headers_;
}

fake_openai_server::~fake_openai_server() {
  release();
  server_->stop();
  thread_.join();
}

std::string fake_openai_server::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}
int fake_openai_server::requests() const { return requests_.load(); }
std::map<std::string, int> fake_openai_server::bodies() const {
  std::lock_guard guard{mu_};
  return bodies_;
}
std::map<std::string, int> fake_openai_server::paid() const {
  std::lock_guard guard{mu_};
  return paid_;
}

void fake_openai_server::hold_after(int n) {
  std::lock_guard guard{mu_};
  hold_after_ = n;
}

bool fake_openai_server::wait_held(int k, int timeout_s) {
  std::unique_lock lock{mu_};
  return cv_.wait_for(lock, std::chrono::seconds(timeout_s), [&] { return held_ >= k; });
}

void fake_openai_server::release() {
  std::lock_guard guard{mu_};
  holding_ = false;
  hold_after_ = -1;
  cv_.notify_all();
}

std::vector<std::string> fake_openai_server::authorizations() const {
  std::lock_guard guard{mu_};
  return auth_;
}

namespace {
rd_kafka_t* make_consumer(const std::string& bootstrap, const std::string& group) {
  char err[512];
  auto* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  auto* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) throw std::runtime_error(err);
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  auto* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, t, &md, 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("metadata for " + topic);
  int n = md->topic_cnt > 0 ? md->topics[0].partition_cnt : 0;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  return n;
}
}  // namespace

std::vector<record> read_topic(const std::string& bootstrap, const std::string& topic) {
  auto* rk = make_consumer(bootstrap, "tickgate-test-reader");
  int n = partition_count(rk, topic);
  auto* list = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<record> out;
  int at_end = 0;
  while (at_end < n) {
    auto* m = rd_kafka_consumer_poll(rk, 10'000);
    if (!m) throw std::runtime_error("read_topic: no progress on " + topic);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++at_end;
    } else if (m->err) {
      std::string e = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      throw std::runtime_error("read_topic: " + e);
    } else {
      record r;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0; ++i)
          r.headers.emplace_back(name, std::string(static_cast<const char*>(val), size));
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap,
                                             const std::string& group, const std::string& topic,
                                             int partitions) {
  auto* rk = make_consumer(bootstrap, group);
  auto* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::map<int32_t, int64_t> out;
  if (rd_kafka_committed(rk, list, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

std::string real_trades_csv() {
  std::string shared = std::string(TICKGATE_SOURCE_DIR) + "/../shared/data/ticks/hf_multitrade_2014-09-17.csv";
  if (std::filesystem::exists(shared)) return shared;
  return std::string(TICKGATE_SOURCE_DIR) + "/data/sample/hf_multitrade_2014-09-17.csv";
}

std::string real_bars_csv() {
  std::string shared =
      std::string(TICKGATE_SOURCE_DIR) + "/../shared/data/bars/BTCUSDT_1m_2023-03-01_2023-03-21.csv";
  return std::filesystem::exists(shared) ? shared : "";
}

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tickgate_it_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

replay_fixture::replay_fixture(const std::string& name, const std::string& bootstrap,
                               std::vector<std::string> sets) {
  const auto dir = temp_dir(name);
  sets.insert(sets.begin(), {"storage.data_dir=\"" + dir + "\"", "kafka.group_id=\"" + name + "\""});
  cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", sets);
  store = open_rocksdb_store(dir + "/db", false);
  env.cfg = cfg;
  env.stats = &stats;
  env.store = store.get();
  env.bootstrap = bootstrap;
  env.until_eof = true;
  resolve_provider(*cfg, env);
}

}  // namespace tickgate::testing

extern char** environ;

namespace tickgate::testing {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int spawn_tickgate(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  std::string bin = TICKGATE_BINARY;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

}  // namespace tickgate::testing
