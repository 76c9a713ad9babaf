#include "actors/ingest/offset_tracker.hpp"

#include <algorithm>

namespace tickgate {

std::deque<offset_tracker::slot>::iterator offset_tracker::partition_state::at_or_after(int64_t offset) {
  return std::lower_bound(open.begin(), open.end(), offset,
                          [](const slot& s, int64_t o) { return s.offset < o; });
}

offset_tracker::slot* offset_tracker::partition_state::find(int64_t offset) {
  // Without gaps (the usual case) a record's place is its distance from the first open one.
  if (!open.empty()) {
    const auto i = offset - open.front().offset;
    if (i >= 0 && i < static_cast<int64_t>(open.size()) && open[static_cast<size_t>(i)].offset == offset)
      return &open[static_cast<size_t>(i)];
  }
  auto it = at_or_after(offset);
  return it != open.end() && it->offset == offset ? &*it : nullptr;
}

void offset_tracker::polled(int32_t partition, int64_t offset) {
  auto& p = parts_[partition];
  if (p.open.empty() || p.open.back().offset < offset) {
    p.open.push_back(slot{offset});
    ++unaccounted_;
  } else if (!p.find(offset)) {  // polled again after a seek back: in its place, once
    p.open.insert(p.at_or_after(offset), slot{offset});
    ++unaccounted_;
  }
  if (p.next < 0 || offset < p.next) p.next = offset;
}

void offset_tracker::accounted(int32_t partition, int64_t offset, int32_t outstanding) {
  auto pit = parts_.find(partition);
  if (pit == parts_.end()) return;  // partition was revoked meanwhile
  auto& p = pit->second;
  slot* s = p.find(offset);
  if (!s) return;  // not polled by this owner (or already done)
  if (!s->accounted) --unaccounted_;
  s->accounted = true;
  s->pending += outstanding;
  advance(p);
}

void offset_tracker::settled(int32_t partition, int64_t offset) {
  auto pit = parts_.find(partition);
  if (pit == parts_.end()) return;  // partition was revoked meanwhile
  slot* s = pit->second.find(offset);
  if (!s) return;
  s->pending -= 1;
  advance(pit->second);
}

void offset_tracker::advance(partition_state& p) {
  while (!p.open.empty()) {
    const slot& s = p.open.front();
    if (!s.accounted || s.pending > 0) {
      p.next = s.offset;
      return;
    }
    p.next = s.offset + 1;
    p.open.pop_front();
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

void offset_tracker::drop(int32_t partition) {
  auto it = parts_.find(partition);
  if (it == parts_.end()) return;
  for (auto& s : it->second.open) unaccounted_ -= s.accounted ? 0 : 1;
  parts_.erase(it);
}

std::map<int32_t, int64_t> offset_tracker::polled_ends() const {
  std::map<int32_t, int64_t> out;
  for (auto& [id, p] : parts_)
    if (p.next >= 0) out[id] = p.open.empty() ? p.next : p.open.back().offset + 1;
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
