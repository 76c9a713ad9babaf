#pragma once
// The words decision reasons are made of: the stages write them, the decision log stores each
// as its one-byte code (actors/sink/reason_codec). The code of a word is its position here.
#include <cstddef>
#include <cstdint>
#include <string_view>

// The dictionary, in code order. Append only: a word's position is its code in records already
// on disk.
#define TICKGATE_REASON_WORDS(X)                                                                   \
  /* sampling and change stage codes */                                                          \
  X(not_subscribed, "not_subscribed") X(first_state, "first_state") X(change_pct, "change_pct")  \
  X(critical_spacing, "critical_spacing") X(interval, "interval") X(no_change, "no_change")      \
  X(min_interval, "min_interval") X(deferred_urgent, "deferred_urgent:")                         \
  X(critical, "critical:") X(urgent, "urgent:") X(significant_change, "significant_change")      \
  X(deferred_change, "deferred_change") X(periodic, "periodic") X(adaptive, "adaptive")          \
  X(always, "always") X(threshold, "threshold") X(change_based, "change_based")                  \
  /* the numbers behind them */                                                                  \
  X(elapsed_ms_is, " elapsed_ms=") X(spacing_ms_is, " spacing_ms=")                              \
  X(interval_ms_is, " interval_ms=") X(min_ms_is, " min_ms=") X(sig_is, " sig=")                 \
  X(chg_is, " chg=")                                                                             \
  /* change notes */                                                                             \
  X(price, "price") X(rsi, "rsi") X(vol, "vol") X(bias_flip_up, "bias_flip_up")                  \
  X(bias_flip_down, "bias_flip_down") X(expiry, "expiry") X(time_decay, "time_decay")            \
  /* event types */                                                                              \
  X(price_update, "price_update") X(price_change, "price_change")                                \
  X(volume_spike, "volume_spike") X(high_volatility, "high_volatility") X(signal, "signal")      \
  X(support_break, "support_break") X(resistance_break, "resistance_break")                      \
  X(anomaly, "anomaly") X(sharp_move, "sharp_move") X(volume_surge, "volume_surge")              \
  X(spread_blowout, "spread_blowout") X(volatility_jump, "volatility_jump")                      \
  /* separators */                                                                               \
  X(space, " ") X(percent, "%") X(colon, ":") X(equals, "=") X(comma, ",") X(dot, ".")           \
  X(underscore, "_") X(slash, "/")

namespace tickgate {

/// A dictionary word by name; its value is its code.
enum class reason_word : uint8_t {
#define TICKGATE_REASON_WORD_ENUM(name, text) name,
  TICKGATE_REASON_WORDS(TICKGATE_REASON_WORD_ENUM)
#undef TICKGATE_REASON_WORD_ENUM
};

/// Every word's text, in code order.
inline constexpr std::string_view k_reason_words[] = {
#define TICKGATE_REASON_WORD_TEXT(name, text) text,
    TICKGATE_REASON_WORDS(TICKGATE_REASON_WORD_TEXT)
#undef TICKGATE_REASON_WORD_TEXT
};
inline constexpr size_t k_reason_word_count = sizeof k_reason_words / sizeof k_reason_words[0];

constexpr std::string_view word_text(reason_word w) { return k_reason_words[static_cast<size_t>(w)]; }

}  // namespace tickgate
