#include "common/heap_trim.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace tickgate {

int64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  if (got != 2) return -1;
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

bool heap_trim_policy::due(int64_t resident) {
  if (slack_ == 0) return true;
  if (resident < 0) return false;
  if (low_ < 0 || resident < low_) {
    low_ = resident;
    return false;
  }
  return resident - low_ > slack_;
}

void heap_trim_policy::trimmed(int64_t resident_after) { low_ = resident_after; }

bool trim_heap_if_grown(heap_trim_policy& policy) {
  if (!policy.due(resident_bytes())) return false;
  malloc_trim(0);
  policy.trimmed(resident_bytes());
  return true;
}

}  // namespace tickgate
