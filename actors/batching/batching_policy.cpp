#include "actors/batching/batching_policy.hpp"

#include "actors/cache/state_key.hpp"
#include "common/hashing.hpp"
#include "messages/verdict_reason.hpp"

namespace tickgate {

request_item make_item(const config& cfg, const tick_work& w, const agent_verdict& v) {
  request_item it;
  it.symbol = w.t.symbol;
  it.ts = w.t.ts;
  it.partition = w.t.partition;
  it.offset = w.t.offset;
  it.trigger = v.trigger;
  it.prio = v.prio;
  it.significance = v.significance;
  it.reason = reason_text(v);
  it.snap = w.snap;
  const auto& a = cfg.agents.at(v.agent);
  it.fingerprint = quantised_state(cfg.cache_quantise, a.cache_features, w.snap, v.trigger);
  if (is_outside(static_cast<event_type>(v.trigger))) {
    // The event's own words are part of what is asked: another headline is another question.
    for (auto& e : w.events)
      if (e.type == v.trigger) {
        it.detail = e.reason;
        it.correlation_id = e.ref;
        it.max_age_ms = e.max_age_ms;
        break;
      }
    if (!it.detail.empty()) it.fingerprint += " x=" + sha256_hex(it.detail).substr(0, 16);
  }
  return it;
}

llm_request make_request(const config& cfg, uint16_t agent, std::vector<request_item> items) {
  llm_request r;
  r.agent = agent;
  r.config_version = cfg.version;
  const auto& a = cfg.agents.at(agent);
  std::string id_src = a.name + "|" + std::to_string(cfg.version);
  std::string key_src = a.name + "|" + a.prompt_version;
  for (auto& it : items) {
    id_src += "|" + it.symbol + "@" + std::to_string(it.ts) + ":" +
              to_string(static_cast<event_type>(it.trigger));
    // Two outside events of one symbol and time are two requests.
    if (is_event_partition(it.partition))
      id_src += "#" + std::to_string(source_partition(it.partition)) + "/" + std::to_string(it.offset);
    key_src += "|" + item_cache_key(cfg, agent, it);
    r.prio = std::max(r.prio, it.prio);
  }
  r.request_id = sha256_hex(id_src).substr(0, 32);
  // One item: its own key. A batch is served from the cache item by item (cache_actor), so
  // its key only names the request in the ledger.
  r.cache_key = items.size() == 1 ? item_cache_key(cfg, agent, items[0])
                                  : a.name + "/" + a.prompt_version + "/batch/" + sha256_hex(key_src);
  r.items = std::move(items);
  return r;
}

std::vector<request_item> batching_policy::add(uint16_t agent, request_item item,
                                               int64_t wall_ms) {
  auto& b = open_[{item.partition, agent}];
  b.items.push_back(std::move(item));
  b.last_wall = wall_ms;
  if (static_cast<int32_t>(b.items.size()) < size_) return {};
  auto out = std::move(b.items);
  open_.erase({out.front().partition, agent});
  return out;
}

std::vector<std::pair<uint16_t, std::vector<request_item>>> batching_policy::advance(
    int32_t partition, int64_t now) {
  std::vector<std::pair<uint16_t, std::vector<request_item>>> out;
  for (auto it = open_.lower_bound({partition, 0});
       it != open_.end() && it->first.first == partition;) {
    if (!it->second.items.empty() && now - it->second.items.front().ts >= timeout_) {
      out.emplace_back(it->first.second, std::move(it->second.items));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::pair<uint16_t, std::vector<request_item>>> batching_policy::flush_partition(
    int32_t partition) {
  std::vector<std::pair<uint16_t, std::vector<request_item>>> out;
  for (auto it = open_.lower_bound({partition, 0});
       it != open_.end() && it->first.first == partition; it = open_.erase(it))
    if (!it->second.items.empty()) out.emplace_back(it->first.second, std::move(it->second.items));
  return out;
}

std::vector<std::pair<uint16_t, std::vector<request_item>>> batching_policy::flush_idle(
    int64_t wall_ms, int64_t idle_ms) {
  std::vector<std::pair<uint16_t, std::vector<request_item>>> out;
  for (auto it = open_.begin(); it != open_.end();) {
    if (wall_ms - it->second.last_wall >= idle_ms) {
      out.emplace_back(it->first.second, std::move(it->second.items));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::pair<uint16_t, std::vector<request_item>>> batching_policy::flush_all() {
  std::vector<std::pair<uint16_t, std::vector<request_item>>> out;
  for (auto& [k, b] : open_) out.emplace_back(k.second, std::move(b.items));
  open_.clear();
  return out;
}

size_t batching_policy::open_items() const {
  size_t n = 0;
  for (auto& [k, b] : open_) n += b.items.size();
  return n;
}

}  // namespace tickgate
