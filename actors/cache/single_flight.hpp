#pragma once
// Single flight for the response cache, pure: while a request that will answer a state is in
// flight, a later request on the same state waits for that answer instead of paying for a
// second one. It also makes replays deterministic: whether a lookup hits depends only on the
// requests before it in event-time order, never on how fast an answer came back.
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/llm_request.hpp"

namespace tickgate {

class single_flight {
 public:
  /// A request that will answer `keys` went to the gateway.
  void begin(const std::vector<std::string>& keys);
  /// Whether a request answering `key` is in flight.
  bool in_flight(const std::string& key) const { return flights_.count(key) != 0; }
  /// `req` waits for the answers of `keys` (each in flight), since wall time `now_wall`.
  void park(llm_request req, std::vector<std::string> keys, int64_t now_wall);
  /// The request in flight for `key` ended (answered or not): the parked requests that wait
  /// for nothing any more, in the order they were parked.
  std::vector<llm_request> settle(const std::string& key);
  /// Parked requests that waited longer than `max_wait_ms` of wall clock (an answer that never
  /// came): released as misses, in the order they were parked.
  std::vector<llm_request> expire(int64_t now_wall, int64_t max_wait_ms);
  size_t parked() const { return parked_.size(); }
  size_t flights() const { return flights_.size(); }

 private:
  struct waiting {
    llm_request req;
    std::vector<std::string> keys;  // still in flight
    int64_t since = 0;
  };
  std::unordered_map<std::string, int32_t> flights_;  // key -> requests in flight answering it
  std::list<waiting> parked_;
};

}  // namespace tickgate
