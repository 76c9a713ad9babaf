#include "actors/budget/lease_codec.hpp"

#include <nlohmann/json.hpp>

namespace tickgate {

std::string encode_lease(const lease_record& r) {
  nlohmann::json j{{"v", 1},
                   {"op", r.what == lease_record::op::acquire   ? "acquire"
                          : r.what == lease_record::op::release ? "release"
                                                                : "claim"},
                   {"holder", r.holder},
                   {"n", r.n},
                   {"scopes", r.scopes},
                   {"limit_day", r.limit_day},
                   {"limit_month", r.limit_month},
                   {"day", r.day},
                   {"month", r.month},
                   {"amount", r.amount},
                   {"min", r.min},
                   {"spent_day", r.spent_day},
                   {"spent_month", r.spent_month}};
  if (r.what == lease_record::op::claim) j["key"] = r.key;
  return j.dump();
}

bool decode_lease(std::string_view text, lease_record& out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  try {
    lease_record r;
    const auto op = j.at("op").get<std::string>();
    if (op == "acquire") r.what = lease_record::op::acquire;
    else if (op == "release") r.what = lease_record::op::release;
    else if (op == "claim") r.what = lease_record::op::claim;
    else return false;
    r.holder = j.at("holder").get<std::string>();
    r.n = j.at("n").get<uint64_t>();
    r.scopes = j.at("scopes").get<std::vector<std::string>>();
    r.limit_day = j.at("limit_day").get<std::vector<picousd>>();
    r.limit_month = j.at("limit_month").get<std::vector<picousd>>();
    r.day = j.at("day").get<int64_t>();
    r.month = j.at("month").get<int64_t>();
    r.amount = j.at("amount").get<picousd>();
    r.min = j.at("min").get<picousd>();
    r.spent_day = j.at("spent_day").get<std::vector<picousd>>();
    r.spent_month = j.at("spent_month").get<std::vector<picousd>>();
    if (r.what == lease_record::op::claim) {
      r.key = j.at("key").get<std::string>();
      if (r.key.empty()) return false;
    }
    const auto n = r.scopes.size();
    if (r.holder.empty() || r.amount < 0 || r.min < 0 || r.limit_day.size() != n ||
        r.limit_month.size() != n || r.spent_day.size() != n || r.spent_month.size() != n)
      return false;
    out = std::move(r);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace tickgate
