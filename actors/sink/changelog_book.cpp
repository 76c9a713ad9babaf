#include "actors/sink/changelog_book.hpp"

#include <nlohmann/json.hpp>

namespace tickgate {

std::string changelog_symbol_key(const std::string& group, const std::string& symbol) {
  return group + std::string(1, '\0') + "s/" + symbol;
}
std::string changelog_position_key(const std::string& group) {
  return group + std::string(1, '\0') + "pos";
}
std::string changelog_paid_key(const std::string& group, const std::string& request_id) {
  return group + std::string(1, '\0') + "paid/" + request_id;
}
std::string paid_store_key(const std::string& request_id) { return "paid/" + request_id; }

std::string encode_paid(const std::string& ledger_json, const std::vector<std::string>& results) {
  nlohmann::json r = nlohmann::json::array();
  for (auto& x : results) r.push_back(x);
  return nlohmann::json{{"ledger", ledger_json}, {"results", std::move(r)}}.dump();
}

bool decode_paid(const std::string& value, std::string& ledger_json, std::vector<std::string>& results) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("ledger") || !j["ledger"].is_string() || !j.contains("results") ||
      !j["results"].is_array())
    return false;
  ledger_json = j["ledger"].get<std::string>();
  results.clear();
  for (auto& x : j["results"]) {
    if (!x.is_string()) return false;
    results.push_back(x.get<std::string>());
  }
  return true;
}

void changelog_book::add_paid(int32_t partition, int64_t max_offset, const std::string& request_id) {
  parts_[partition].paid.emplace(max_offset, request_id);
}

void changelog_book::add_cut(int32_t partition, int64_t epoch, int64_t position) {
  auto& cuts = parts_[partition].cuts;
  if (!cuts.empty() && cuts.back().second >= position) return;  // nothing new since
  cuts.emplace_back(epoch, position);
}

void changelog_book::add_state(int32_t partition, int64_t epoch, const std::string& symbol,
                               std::string state) {
  parts_[partition].states[symbol].emplace_back(epoch, std::move(state));
}

changelog_book::cut changelog_book::take_due(int32_t partition, int64_t durable_until) {
  cut out;
  auto it = parts_.find(partition);
  if (it == parts_.end()) return out;
  auto& book = it->second;
  int64_t epoch = -1;
  while (!book.cuts.empty() && book.cuts.front().second <= durable_until) {
    epoch = book.cuts.front().first;
    out.position = book.cuts.front().second;
    book.cuts.pop_front();
  }
  if (out.position < 0) return out;
  std::vector<changelog_record> symbols;
  for (auto s = book.states.begin(); s != book.states.end();) {
    auto& versions = s->second;
    std::string* newest = nullptr;
    size_t n = 0;
    while (n < versions.size() && versions[n].first <= epoch) newest = &versions[n++].second;
    if (newest) {
      const bool gone = newest->empty();  // the symbol's state was dropped: delete its record
      symbols.push_back({changelog_symbol_key(group_, s->first), std::move(*newest), gone});
    }
    versions.erase(versions.begin(), versions.begin() + static_cast<std::ptrdiff_t>(n));
    s = versions.empty() ? book.states.erase(s) : std::next(s);
  }
  out.records.push_back({changelog_position_key(group_), nlohmann::json{{"position", out.position},
                                              {"symbols", symbols.size()},
                                              {"epoch", epoch}}.dump()});
  for (auto& r : symbols) out.records.push_back(std::move(r));
  for (auto p = book.paid.begin(); p != book.paid.end() && p->first < out.position;) {
    out.records.push_back({changelog_paid_key(group_, p->second), {}, true});
    p = book.paid.erase(p);
  }
  return out;
}

void changelog_book::drop(int32_t partition) { parts_.erase(partition); }

size_t changelog_book::waiting_states() const {
  size_t n = 0;
  for (auto& [p, book] : parts_)
    for (auto& [s, v] : book.states) n += v.size();
  return n;
}

bool fold_changelog(restored_partition& into, const std::string& group, const std::string& full_key,
                    const std::string& value) {
  if (full_key.size() <= group.size() || full_key.compare(0, group.size(), group) != 0 ||
      full_key[group.size()] != '\0')
    return false;
  const std::string key = full_key.substr(group.size() + 1);
  if (key == "pos") {
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object() || !j.contains("position") || !j["position"].is_number_integer() ||
        !j.contains("symbols") || !j["symbols"].is_number_integer())
      return false;
    into.position = j["position"].get<int64_t>();
    into.missing = j["symbols"].get<int64_t>();  // counted down by the symbol records after it
    ++into.records;
    into.bytes += static_cast<int64_t>(full_key.size() + value.size());
    return true;
  }
  if (key.compare(0, 5, "paid/") == 0 && key.size() > 5) {
    if (value.empty()) into.paid.erase(key.substr(5));  // tombstone
    else into.paid[key.substr(5)] = value;
    ++into.records;
    into.bytes += static_cast<int64_t>(full_key.size() + value.size());
    return true;
  }
  if (key.size() < 3 || key.compare(0, 2, "s/") != 0) return false;
  if (value.empty()) into.states.erase(key.substr(2));  // tombstone: dropped as idle
  else into.states[key.substr(2)] = value;
  if (into.missing > 0) --into.missing;
  ++into.records;
  into.bytes += static_cast<int64_t>(full_key.size() + value.size());
  return true;
}

}  // namespace tickgate
