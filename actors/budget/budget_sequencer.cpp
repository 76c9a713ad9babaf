#include "actors/budget/budget_sequencer.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "kafka/kafka_conf.hpp"
#include "kafka/kafka_producer.hpp"

namespace tickgate {

budget_sequencer::budget_sequencer(const std::string& bootstrap, std::string topic,
                                   const std::map<std::string, std::string>& consumer_props,
                                   const std::map<std::string, std::string>& producer_props)
    : topic_(std::move(topic)) {
  auto pprops = producer_props;
  pprops.emplace("linger.ms", "0");  // a lease request waits for nothing but the broker
  producer_ = std::make_unique<kafka_producer>(bootstrap, pprops);
  // No group: this reader sees the whole partition, like every other instance's reader.
  rd_kafka_conf_t* conf = make_kafka_conf("consumer",
                                           {{"bootstrap.servers", bootstrap},
                                            {"group.id", "tickgate-budget-reader"},
                                            {"enable.auto.commit", "false"},
                                            {"fetch.wait.max.ms", "5"},
                                            {"allow.auto.create.topics", "true"},
                                            {"enable.partition.eof", "true"},
                                            {"auto.offset.reset", "earliest"}},
                                           without_group_properties(consumer_props));
  char err[512];
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!consumer_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("budget sequencer: ") + err);
  }
  rd_kafka_poll_set_consumer(consumer_);
}

budget_sequencer::~budget_sequencer() {
  stop_ = true;
  if (reader_.joinable()) reader_.join();
  producer_.reset();  // flushes (bounded)
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

namespace {

/// Makes sure the sequencer topic exists: asks for it with auto-creation allowed (brokers that
/// auto-create topics create it); one that does not is logged (an administrator must create it
/// with one partition, as compose/ does).
void ensure_topic(rd_kafka_t* rk, const std::string& topic, const std::atomic<bool>& stop) {
  // Most of the time it exists. Asking with auto-creation allowed also creates it on brokers
  // that do that (the embedded one does, with partition 0 being the one that counts).
  for (int attempt = 0; attempt < 5 && !stop; ++attempt) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const bool exists = rkt && rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        md->topics[0].partition_cnt > 0;
    if (md) rd_kafka_metadata_destroy(md);
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (exists) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (stop) return;
  spdlog::warn("budget: the sequencer topic does not exist and the broker did not create it "
               "topic={} (create it with one partition)", topic);
}

}  // namespace

void budget_sequencer::start() { reader_ = std::thread([this] { run(); }); }

void budget_sequencer::set_target(record_fn fn) {
  std::lock_guard lock{mu_};
  if (fn) {
    for (auto& v : pending_) fn(std::move(v));
    pending_.clear();
  }
  fn_ = std::move(fn);
}

bool budget_sequencer::wait_caught_up(int timeout_ms) {
  std::unique_lock lock{mu_};
  return caught_up_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return caught_up_; });
}

void budget_sequencer::run() {
  ensure_topic(consumer_, topic_, stop_);
  auto* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  auto e = rd_kafka_assign(consumer_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) spdlog::error("budget: sequencer assign failed error=\"{}\"", rd_kafka_err2str(e));
  while (!stop_) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->payload) {
      std::string v(static_cast<const char*>(m->payload), m->len);
      std::lock_guard lock{mu_};
      if (fn_) fn_(std::move(v));
      else pending_.push_back(std::move(v));
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::lock_guard lock{mu_};
      if (!caught_up_) {
        caught_up_ = true;
        caught_up_cv_.notify_all();
      }
    } else if (m->err)
      spdlog::warn("budget: sequencer read error=\"{}\"", rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
  }
}

bool budget_sequencer::publish(const lease_record& r, std::string& error) {
  return producer_->produce(
      topic_, "lease", encode_lease(r), {},
      [holder = r.holder, n = r.n](bool ok, const std::string& e) {
        if (!ok) spdlog::error("budget: lease record not delivered holder={} n={} error=\"{}\"", holder, n, e);
      },
      error, 0);
}

void budget_sequencer::poll() { producer_->poll(0); }

bool budget_sequencer::flush(int timeout_ms) { return producer_->flush(timeout_ms); }

}  // namespace tickgate
