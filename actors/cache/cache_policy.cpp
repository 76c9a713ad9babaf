#include "actors/cache/cache_policy.hpp"

#include <tuple>

#include <algorithm>

namespace tickgate {

int64_t cache_policy::cost_of(const entry& e) {
  // Key twice (list + index), payload strings, and fixed overhead of the nodes.
  size_t syms = 0;
  for (auto& s : e.second.symbols) syms += s.size() + 32;
  return static_cast<int64_t>(2 * e.first.size() + e.second.provider.size() +
                              e.second.model.size() + e.second.results_json.size() + syms + 128);
}

void cache_policy::erase(std::list<entry>::iterator it) {
  bytes_ -= cost_of(*it);
  index_.erase(it->first);
  lru_.erase(it);
}

const cached_answer* cache_policy::get(const std::string& key, int64_t now) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  auto& v = it->second->second;
  int64_t age = now - v.stored_at;
  const auto ttl = static_cast<int64_t>(static_cast<double>(v.ttl_ms) * ttl_factor_);
  if (age > std::min(ttl, max_age_) || age < 0) {
    // Expired, or stored "in the future" of this event time (a replay of older data).
    if (age > 0) erase(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return &it->second->second;
}

bool cache_policy::put(const std::string& key, cached_answer value) {
  if (auto it = index_.find(key); it != index_.end()) {
    // The newer answer wins; between two of the same event time (ticks sharing a millisecond)
    // a fixed order decides, not which store arrived last, so replays cache the same answer.
    const auto& have = it->second->second;
    if (have.stored_at > value.stored_at) return false;
    if (have.stored_at == value.stored_at &&
        std::tie(have.cost_pico, have.results_json, have.model, have.provider) <=
            std::tie(value.cost_pico, value.results_json, value.model, value.provider))
      return false;
    erase(it->second);
  }
  lru_.emplace_front(key, std::move(value));
  int64_t c = cost_of(lru_.front());
  if (c > max_bytes_) {  // would not fit even alone
    lru_.pop_front();
    return true;
  }
  index_[key] = lru_.begin();
  bytes_ += c;
  while (bytes_ > max_bytes_) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
  return true;
}

size_t cache_policy::invalidate_prefix(const std::string& prefix) {
  return invalidate_if(
      [&](const std::string& key, const cached_answer&) { return key.rfind(prefix, 0) == 0; });
}

size_t cache_policy::invalidate_if(
    const std::function<bool(const std::string&, const cached_answer&)>& match) {
  size_t n = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (match(it->first, it->second)) {
      erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

int64_t effective_ttl_ms(int64_t response_ttl_ms, double volatility_rank, int64_t high_vol_cap_ms) {
  if (volatility_rank > 90) return std::min(response_ttl_ms, high_vol_cap_ms);
  return response_ttl_ms;
}

}  // namespace tickgate
