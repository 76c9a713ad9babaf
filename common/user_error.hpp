#pragma once
#include <stdexcept>

namespace tickgate {

/// A problem the user can fix (bad flag, config key, input file): one line, exit status 2.
class user_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tickgate
