#include "actors/ingest/offset_tracker.hpp"

namespace tickgate {

void offset_tracker::polled(int32_t partition, int64_t offset) {
  auto& p = parts_[partition];
  p.open.emplace(offset, slot{});
  if (p.next < 0 || offset < p.next) p.next = offset;
}

void offset_tracker::accounted(int32_t partition, int64_t offset, int32_t outstanding) {
  auto pit = parts_.find(partition);
  if (pit == parts_.end()) return;  // partition was revoked meanwhile
  auto& p = pit->second;
  auto it = p.open.find(offset);
  if (it == p.open.end()) return;  // not polled by this owner (or already done)
  auto& s = it->second;
  s.accounted = true;
  s.pending += outstanding;
  advance(p);
}

void offset_tracker::settled(int32_t partition, int64_t offset) {
  auto pit = parts_.find(partition);
  if (pit == parts_.end()) return;  // partition was revoked meanwhile
  auto it = pit->second.open.find(offset);
  if (it == pit->second.open.end()) return;
  it->second.pending -= 1;
  advance(pit->second);
}

void offset_tracker::advance(partition_state& p) {
  while (!p.open.empty()) {
    auto it = p.open.begin();
    if (!it->second.accounted || it->second.pending > 0) {
      p.next = it->first;
      return;
    }
    p.next = it->first + 1;
    p.open.erase(it);
  }
}

std::map<int32_t, int64_t> offset_tracker::take_commits() {
  std::map<int32_t, int64_t> out;
  for (auto& [id, p] : parts_)
    if (p.next >= 0 && p.next != p.last_committed) {
      out[id] = p.next;
      p.last_committed = p.next;
    }
  return out;
}

void offset_tracker::commit_failed(const std::map<int32_t, int64_t>& commits) {
  for (auto& [id, next] : commits) {
    auto it = parts_.find(id);
    if (it != parts_.end() && it->second.last_committed == next) it->second.last_committed = -1;
  }
}

size_t offset_tracker::in_flight(int32_t partition) const {
  auto it = parts_.find(partition);
  return it == parts_.end() ? 0 : it->second.open.size();
}

void offset_tracker::drop(int32_t partition) { parts_.erase(partition); }

std::map<int32_t, int64_t> offset_tracker::polled_ends() const {
  std::map<int32_t, int64_t> out;
  for (auto& [id, p] : parts_)
    if (p.next >= 0) out[id] = p.open.empty() ? p.next : p.open.rbegin()->first + 1;
  return out;
}

size_t offset_tracker::in_flight() const {
  size_t n = 0;
  for (auto& [id, p] : parts_) n += p.open.size();
  return n;
}

int64_t offset_tracker::commit_point(int32_t partition) const {
  auto it = parts_.find(partition);
  return it == parts_.end() ? -1 : it->second.next;
}

}  // namespace tickgate
