#include "messages/tick_codec.hpp"

#include <nlohmann/json.hpp>

namespace tickgate {
namespace {

tick_decode_result reject(std::string code, std::string detail) {
  tick_decode_result r;
  r.code = std::move(code);
  r.reason = r.code + ": " + std::move(detail);
  return r;
}

// Reads an optional finite number; a present non-number or non-finite value is an error.
bool read_optional(const nlohmann::json& obj, const char* key, double& out, std::string& err) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number()) {
    err = std::string{key} + " is not a number";
    return false;
  }
  double v = it->get<double>();
  if (!std::isfinite(v)) {
    err = std::string{key} + " is not finite";
    return false;
  }
  out = v;
  return true;
}

}  // namespace

tick_decode_result decode_tick(std::string_view bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes)
    return reject("too_large", std::to_string(bytes.size()) + " bytes > limit " +
                                   std::to_string(max_bytes));
  auto doc = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded()) return reject("not_json", "value does not parse as JSON");
  if (!doc.is_object()) return reject("not_object", "value is not a JSON object");

  tick_decode_result r;
  tick& t = r.value;
  auto sym = doc.find("symbol");
  if (sym == doc.end()) return reject("missing_field", "symbol is missing");
  if (!sym->is_string() || sym->get_ref<const std::string&>().empty() ||
      sym->get_ref<const std::string&>().size() > 64)
    return reject("bad_symbol", "symbol must be a non-empty string of at most 64 characters");
  t.symbol = sym->get<std::string>();

  auto ts = doc.find("ts");
  if (ts == doc.end()) return reject("missing_field", "ts is missing");
  if (!ts->is_number_integer() && !(ts->is_number_float() && std::isfinite(ts->get<double>())))
    return reject("bad_ts", "ts must be epoch milliseconds");
  t.ts = ts->is_number_integer() ? ts->get<int64_t>() : static_cast<int64_t>(ts->get<double>());
  if (t.ts <= 0) return reject("bad_ts", "ts must be positive epoch milliseconds");

  auto price = doc.find("price");
  if (price == doc.end()) return reject("missing_field", "price is missing");
  if (!price->is_number()) return reject("bad_price", "price is not a number");
  t.price = price->get<double>();
  if (!std::isfinite(t.price)) return reject("bad_price", "price is not finite");
  if (t.price <= 0) return reject("bad_price", "price must be > 0");

  std::string err;
  if (!read_optional(doc, "volume", t.volume, err) || !read_optional(doc, "bid", t.bid, err) ||
      !read_optional(doc, "ask", t.ask, err))
    return reject("bad_field", err);
  if (present(t.volume) && t.volume < 0) return reject("bad_field", "volume must be >= 0");
  if (auto ind = doc.find("indicators"); ind != doc.end() && !ind->is_null()) {
    if (!ind->is_object()) return reject("bad_field", "indicators is not an object");
    if (!read_optional(*ind, "rsi", t.rsi, err) || !read_optional(*ind, "iv", t.iv, err) ||
        !read_optional(*ind, "macd", t.macd, err) ||
        !read_optional(*ind, "days_to_expiry", t.days_to_expiry, err))
      return reject("bad_field", "indicators." + err);
  }
  r.ok = true;
  return r;
}

std::string encode_tick(const tick& t) {
  nlohmann::json j{{"symbol", t.symbol}, {"ts", t.ts}, {"price", t.price}};
  if (present(t.volume)) j["volume"] = t.volume;
  if (present(t.bid)) j["bid"] = t.bid;
  if (present(t.ask)) j["ask"] = t.ask;
  nlohmann::json ind = nlohmann::json::object();
  if (present(t.rsi)) ind["rsi"] = t.rsi;
  if (present(t.iv)) ind["iv"] = t.iv;
  if (present(t.macd)) ind["macd"] = t.macd;
  if (present(t.days_to_expiry)) ind["days_to_expiry"] = t.days_to_expiry;
  if (!ind.empty()) j["indicators"] = std::move(ind);
  return j.dump();
}

}  // namespace tickgate
