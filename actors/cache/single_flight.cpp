#include "actors/cache/single_flight.hpp"

#include <algorithm>

namespace tickgate {

void single_flight::begin(const std::vector<std::string>& keys) {
  for (auto& k : keys) ++flights_[k];
}

void single_flight::park(llm_request req, std::vector<std::string> keys, int64_t now_wall) {
  parked_.push_back({std::move(req), std::move(keys), now_wall});
}

std::vector<llm_request> single_flight::settle(const std::string& key) {
  std::vector<llm_request> ready;
  auto f = flights_.find(key);
  if (f == flights_.end()) return ready;
  if (--f->second > 0) return ready;  // another request answering it is still in flight
  flights_.erase(f);
  for (auto it = parked_.begin(); it != parked_.end();) {
    auto& k = it->keys;
    k.erase(std::remove(k.begin(), k.end(), key), k.end());
    if (k.empty()) {
      ready.push_back(std::move(it->req));
      it = parked_.erase(it);
    } else {
      ++it;
    }
  }
  return ready;
}

std::vector<llm_request> single_flight::expire(int64_t now_wall, int64_t max_wait_ms) {
  std::vector<llm_request> out;
  for (auto it = parked_.begin(); it != parked_.end();) {
    if (now_wall - it->since > max_wait_ms) {
      out.push_back(std::move(it->req));
      it = parked_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace tickgate
