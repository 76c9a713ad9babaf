#pragma once
// Typed, validated configuration. Loaded once at start-up from JSON (comments allowed), with
// `--set dotted.path=JSON` overrides; any bad key stops start-up with one line naming it.
#include "common/user_error.hpp"
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/money.hpp"
#include "messages/market_event.hpp"
#include "messages/tick_codec.hpp"

namespace tickgate {

/// A configuration problem; what() is one line naming the key and what is wrong.
class config_error : public user_error {
 public:
  using user_error::user_error;
};

struct kafka_config {
  std::string brokers = "embedded";  // "embedded" or a bootstrap list
  std::string group_id = "tickgate";
  std::string ticks_topic = "market.ticks";
  std::string events_topic = "market.events";  // outside events, co-partitioned with ticks ("": none)
  std::string requests_topic = "ai.requests";  // analyses on demand, co-partitioned with ticks ("": none)
  std::string analyses_topic = "ai.analyses";
  std::string costs_topic = "ai.costs";
  std::string dlq_topic = "tickgate.dlq";
  std::string alerts_topic = "ai.alerts";
  int32_t embedded_partitions = 6;
  int32_t poll_batch = 500;
  int32_t commit_interval_ms = 1000;
  int32_t max_tick_bytes = 4096;
  int64_t connect_timeout_ms = 30'000;  // replays (--until-eof, backtest, publish): no broker by then = exit 1
  int64_t revoke_timeout_ms = 15'000;   // a revoked partition: wait this long for its work to be durable
  std::string budget_topic = "tickgate.budget";  // the cluster budget's sequencer (one partition used)
  std::string state_topic = "tickgate.state";    // per-symbol state changelog, co-partitioned with ticks
  std::string compression = "lz4";
  // librdkafka properties passed through as-is (security.protocol, sasl.*, session.timeout.ms...)
  std::map<std::string, std::string> consumer_properties;
  std::map<std::string, std::string> producer_properties;
};

/// What a tick must be to enter the pipeline (checked at ingest, before any state).
struct plausibility_config {
  tick_limits limits;  // stateless bounds (max_bytes is kafka.max_tick_bytes)
  std::string symbol_pattern = "(?!.*\\.\\.)[A-Za-z0-9^][A-Za-z0-9._:/=^-]*";  // ECMAScript
  int64_t max_future_ms = 300'000;    // ts at most this far ahead of the wall clock
  int64_t max_late_ms = 3'600'000;    // ts at most this far behind the partition's high-water mark
  int32_t outlier_window = 32;        // recent accepted prints per symbol
  int32_t outlier_min_samples = 8;    // no outlier judgement before this many
  double outlier_mads = 20;           // an outlier is > this many (scaled) MADs from the median...
  double outlier_min_pct = 10;        // ...and > this % from it
  int32_t outlier_confirm = 3;        // consistent outliers in a row that make a level shift
};

/// Outside events (kafka.topics.events): what they may be and how long one may wait for the
/// ticks of its partition to reach its event time.
struct outside_events_config {
  int32_t max_bytes = 4096;
  int32_t max_text_bytes = 1024;
  uint8_t max_priority = 2;  // priority::high: a sender asking for more is capped here
  int64_t max_wait_ms = 1000;  // live: an event ahead of every tick waits at most this
};

/// Thresholds of the prioritise stage (live-tunable).
/// The market watch: fast HIGH events for what a timer and the change score miss. Each measure
/// fires when it reaches its threshold, again when it grows by `intensify` x or holds for
/// `repeat`, and re-arms when
/// it falls back below the threshold (volume: at every new minute, so a surge that continues is
/// a new event each minute). At most one event per symbol and kind per follow_up; a trigger
/// inside that spacing is emitted when it has passed.
struct watch_config {
  bool enabled = true;
  double move_pct = 0.8;  // sharp_move: price this % above the low / below the high of a window
  std::vector<int64_t> move_windows_ms{60'000, 180'000, 300'000, 600'000};
  double volume_ratio = 3.0;  // volume_surge: minute volume >= this x the mean of any window
  std::vector<int32_t> volume_windows_min{30, 45, 60, 90, 120};  // minutes before it, zero-filled
  double spread_ratio = 1.8;            // spread_blowout: spread >= this x its rolling median
  int64_t spread_window_ms = 1'800'000; //   over this window of quotes (sampled once a second)
  int32_t spread_min_samples = 20;      //   once it holds this many samples
  double vol_jump_factor = 2.0;         // volatility_jump: stdev of the last vol_window_minutes
  int32_t vol_window_minutes = 15;      //   one-minute returns >= factor x the window before
  double intensify = 1.1;               // fire again when a measure grew by this factor...
  int64_t repeat_ms = 120'000;          // ...or stayed at or above its threshold this long
  int64_t follow_up_ms = 30'000;        // per symbol and kind, events at least this far apart
};

struct event_thresholds {
  double price_change_pct = 0.5;
  double volume_spike_multiplier = 2.0;
  int32_t volume_avg_minutes = 20;
  double volatility_threshold_pct = 2.0;
  int64_t volatility_window_ms = 900'000;
  int64_t sr_window_ms = 3'600'000;
  int64_t sr_min_age_ms = 300'000;
  double sr_break_pct = 0.1;
  int64_t sr_cooldown_ms = 300'000;  // after a break, no break in the same direction for this
  double anomaly_zscore = 8.0;
  int32_t anomaly_min_samples = 100;
  double anomaly_volume_multiplier = 15.0;
  int32_t rsi_period = 14;
  double rsi_overbought = 70;
  double rsi_oversold = 30;
  double rsi_rearm_points = 15;  // a side signals again only after RSI came this far back inside
  watch_config watch;
};

/// Change detection against the state at the last significant change.
struct change_config {
  double score_threshold = 40;     // a new analysis when the weighted score exceeds this
  double price_pct = 3.0;          // +price_points when |price move| > price_pct
  double price_abs = 0;            // ... or > price_abs in quote currency (0: off; see README)
  double price_points = 25;
  double rsi_delta = 5.0;          // +rsi_points when |RSI move| > rsi_delta
  double rsi_points = 30;
  double volatility_rel_pct = 10;  // +volatility_points when realised vol moved 10% relative
  double volatility_abs = 0.05;    // ... and by at least this many percentage points
  double volatility_points = 0;     // not in the seed's score: volatility drives change_pct
  double bias_flip_points = 20;    // MACD sign flip
  double expiry_days = 5;          // +expiry_points when days-to-expiry moved > expiry_days
  double expiry_points = 10;
  int64_t max_age_ms = 14'400'000; // baseline older than this counts as changed (time decay)
};

enum class sampling_kind : uint8_t { always, periodic, change_based, threshold, adaptive };
const char* to_string(sampling_kind k);

struct strategy_config {
  sampling_kind kind = sampling_kind::periodic;
  int64_t interval_ms = 300'000;      // periodic; adaptive base interval
  double change_pct = 10;             // change_based
  double score = 0.7;                 // threshold: significance/100 must reach this
  int64_t min_interval_ms = 60'000;   // adaptive bounds
  int64_t max_interval_ms = 900'000;
  double reference_volatility_pct = 0.5;  // adaptive: volatility at which interval == base
};

/// What an agent's answers depend on, as bits of agent_config::cache_features: its cached
/// answers are keyed by these features of the state, each in the bands of quantise_config.
enum cache_feature : uint32_t {
  cf_price = 1u << 0,      // price in volatility-scaled buckets
  cf_volatility = 1u << 1, // realised volatility in geometric bands
  cf_rsi = 1u << 2,        // RSI in bands of rsi_band
  cf_trend = 1u << 3,      // MACD sign, ADX band, sign of +DI - -DI
  cf_levels = 1u << 4,     // support and resistance in the price's buckets
  cf_volume = 1u << 5,     // minute volume / average in bands
  cf_spread = 1u << 6,     // bid/ask spread (bps) in bands
  cf_bollinger = 1u << 7,  // position within the Bollinger bands, in bands
  cf_options = 1u << 8,    // implied volatility and days to expiry in bands
  cf_trigger = 1u << 9,    // the event that asked for the analysis
  cf_all = (1u << 10) - 1,
};
/// The bit of a feature name ("price", "volatility", ...); false when unknown.
bool parse_cache_feature(const std::string& name, uint32_t& bit);
/// Every feature name, comma-separated.
const char* cache_feature_names();

/// The bands of the response cache's quantised state (cache.quantise): what "the same state"
/// means to an agent, with the features it keys on (agents.*.cache_features).
struct quantise_config {
  double price_step_vols = 1.0;       // price bucket width: this x the lower edge of the
  double price_step_min_pct = 0.1;    //   volatility band, in % of price, at least this...
  double price_step_max_pct = 3.0;    //   ...and at most this
  double vol_band_base_pct = 0.05;    // volatility bands: below this, then geometric from it...
  double vol_band_ratio = 2.0;        //   ...each band this x the one below
  double rsi_band = 10;               // RSI bands of this width (30 and 70 fall on edges)
  double iv_band = 0.05;              // implied volatility bands (0.05 = 5 vol points)
  std::vector<double> adx_edges{20, 40};                  // no trend | trend | strong trend
  std::vector<double> volume_edges{0.5, 1.5, 3, 6, 12};   // minute volume / average
  std::vector<double> spread_edges_bps{2, 5, 10, 20, 50, 100};
  std::vector<double> bollinger_edges{0, 0.2, 0.8, 1};    // below | low | middle | high | above
  std::vector<double> expiry_edges_days{1, 7, 30, 90};
};

struct agent_config {
  std::string name;
  std::string response_type;  // keys the cache TTL
  std::string system_prompt;
  std::string prompt_version = "v1";
  int32_t max_tokens = 400;
  int32_t expected_output_tokens = 150;
  std::vector<bool> subscribes;  // indexed by event_type
  strategy_config strategy;
  double weight_price = 1.0;
  double weight_volatility = 1.0;
  double weight_rsi = 1.0;
  std::string provider;  // empty: routing decides
  uint32_t cache_features = cf_all;  // cache_feature bits its answers depend on
};

/// One model a provider serves: a route of the gateway.
struct model_route_config {
  std::string name;
  double quality = 0.5;               // 0..1, for the balanced and maximize_quality strategies
  int32_t requests_per_minute = 0;    // token bucket; 0: unlimited
  int64_t tokens_per_minute = 0;      // token bucket on prompt estimate + max_tokens; 0: unlimited
};

struct provider_config {
  std::string name;
  std::string kind;  // openai | anthropic | gemini | rules
  std::string base_url;
  std::string api_key_env;
  std::string model;  // the first (default) model; models[0].name
  std::vector<model_route_config> models;
  int32_t timeout_ms = 30'000;
  int32_t max_retries = 2;
  int32_t max_in_flight = 8;  // calls in flight to this provider, all models
  std::string anthropic_version = "2023-06-01";
};

/// Spend limits of one scope (global or one agent); 0 means no limit of that period.
struct budget_limits {
  picousd daily = 0;
  picousd monthly = 0;
};

/// Budget levels and the emergency stop on spending velocity.
struct budget_config {
  budget_limits global;
  std::map<std::string, budget_limits> agents;  // per-agent limits, on top of the global ones
  double soft_pct = 80;     // alert
  double degrade_pct = 90;  // raise thresholds, prefer cache and cheaper models
  double degrade_threshold_factor = 1.5;  // non-urgent calls need this x change.score_threshold
  double degrade_cache_ttl_factor = 3;    // cached answers stay fresh this much longer
  int64_t velocity_window_ms = 60'000;     // spend is summed per window...
  int32_t velocity_baseline_windows = 60;  // ...and compared with the average of this many before
  double velocity_factor = 10;             // stop when a window spends > factor x that average
  picousd velocity_min = 500'000'000'000;  // ...and more than this (0.5 USD)
  int64_t velocity_pause_ms = 300'000;     // the stop lasts this long
  double projection_min_elapsed_pct = 4;   // project a period's end spend once this % has passed
  // Shared by every instance of the group through kafka.budget_topic (leases granted in log
  // order); off: each instance holds the limits alone (one instance, or backtests).
  bool cluster = true;
  double lease_pct = 2;            // a lease is at most this % of the smallest limit it counts against
  int64_t lease_wait_ms = 1'000;   // after a denial, wait this long for other instances' unused leases
  int64_t lease_timeout_ms = 10'000;  // no answer from the sequencer by then: the call goes to rules
};

/// One HTTP endpoint that receives every alert as a JSON POST.
struct webhook_config {
  std::string url;
  int32_t max_per_minute = 6;   // beyond this alerts are dropped for this hook (and counted)
  int32_t retries = 3;          // further attempts after a failed POST
  int64_t backoff_ms = 1000;    // doubles per attempt
  int64_t timeout_ms = 5000;
};

/// Alerts: to the log, the alerts topic and webhooks, once per key and window.
struct alerts_config {
  int64_t dedup_window_ms = 3'600'000;  // one alert per key within this (on the alert's clock)
  int32_t dlq_window_records = 1000;    // DLQ rate is judged per this many consumed records...
  double dlq_max_pct = 1.0;             // ...and alerts when more than this % were dead-lettered
  std::vector<webhook_config> webhooks;
};

/// The gateway's queue, retries and circuit breakers.
struct gateway_config {
  std::string strategy = "balanced";  // minimize_cost | balanced | maximize_quality | speed
  int32_t shed_queue_depth = 200;     // queued requests at which LOW ones are shed to rules
  int32_t max_queue = 2000;           // beyond this the lowest priority is shed
  int64_t low_max_wait_ms = 30'000;   // a LOW request waiting longer is shed
  int64_t backoff_base_ms = 200;
  int64_t backoff_max_ms = 10'000;
  int64_t retry_after_max_ms = 30'000;
  int32_t breaker_window = 50;        // last N attempts per route
  int32_t breaker_min_calls = 20;
  double breaker_failure_rate = 0.6;
  int64_t breaker_open_ms = 30'000;   // then one half-open probe
  double latency_alpha = 0.2;         // EWMA weight of the newest latency
  // A 429 is back-pressure, not a broken route: it pauses the route (Retry-After or backoff),
  // halves the route's concurrency (raised again by one per window of answers), and is retried
  // on the same route up to this many times without counting toward the breaker.
  int32_t rate_limit_max_retries = 8;
  int64_t rate_limit_recover_ms = 5'000;  // no 429 for this long: the route's full concurrency again
  int64_t max_response_bytes = 1 << 20;  // a larger provider answer is a failed attempt
};

/// What a backtest counts as a significant market event (judged from the ticks alone,
/// independently of the prioritise stage), and how soon an analysis must follow one.
struct significance_config {
  double move_pct = 1.0;                // price_move: the price moved this % from the window's
  int64_t move_window_ms = 300'000;     //   low or high within this window
  double volume_multiplier = 5.0;       // volume_spike: a minute's volume >= this x the mean of
  int32_t volume_avg_minutes = 60;      //   this many minutes before it (idle minutes count as 0)
  double vol_jump_factor = 2.0;         // volatility_jump: stdev of the last vol_window_minutes
  int32_t vol_window_minutes = 15;      //   one-minute returns >= factor x the window before
  int64_t sr_window_ms = 3'600'000;     // sr_break: beyond the high/low of this window...
  int64_t sr_min_age_ms = 300'000;      //   ...counting only prices at least this old...
  double sr_margin_pct = 0.1;           //   ...by this %
  double spread_factor = 2.0;           // spread_blowout: bid/ask spread >= this x the median
  int64_t spread_window_ms = 1'800'000; //   of the quotes of this window before it
  int64_t cooldown_ms = 900'000;        // one event per symbol and kind within this
  int64_t reaction_window_ms = 60'000;  // covered: a fresh analysis of the symbol within this
  /// Coverage is also reported over a grid of settings: each kind's own settings crossed with
  /// each cooldown (volume: each volume cooldown), the rest as above.
  struct grid_axes {
    std::vector<double> move_pct{1, 1.5, 2};
    std::vector<int64_t> move_window_ms{60'000, 300'000, 600'000};
    std::vector<double> volume_multiplier{3, 4.5, 6};
    std::vector<int32_t> volume_avg_minutes{30, 60, 120};
    std::vector<double> spread_factor{2, 3, 4};
    std::vector<double> vol_jump_factor{2, 2.5, 3};
    std::vector<int64_t> cooldown_ms{300'000, 900'000};
    // A surge that goes on is a new event each minute: volume is judged down to a 60 s cooldown.
    std::vector<int64_t> volume_cooldown_ms{60'000, 900'000};
  } grid;
};

struct model_price {
  picousd input = 0;        // per token
  picousd output = 0;
  picousd cache_read = 0;
  picousd cache_write = 0;
};

struct config {
  std::string source_path;  // the file it was loaded from
  std::vector<std::string> overrides;  // the --set expressions applied on top of it
  std::string effective_json;  // the file with every override applied: what live changes build on
  kafka_config kafka;
  plausibility_config input;
  outside_events_config outside;
  int32_t shards = 2;
  int32_t callers = 4;
  int64_t max_in_flight = 20'000;  // records consumed, decisions not yet durable; then none taken
  int64_t max_uncommitted = 1'000'000;  // records consumed and not yet committable; then none taken
  int32_t trim_growth_mb = 64;  // free heap goes back to the OS once RSS grew this much; 0 = every second
  int64_t drain_timeout_ms = 30'000;  // a drain (end of input, stop, failure) waits at most this
  bool changelog = true;  // state checkpointed to kafka.state_topic, restored on assignment
  int32_t checkpoint_interval_ms = 1000;
  std::string data_dir = "./tickgate-data";
  bool sync_writes = false;
  // Retention, by event time (the newest tick the sink has made durable), 0 = keep forever.
  int32_t decisions_retention_days = 7;  // decision log: whole event days, DeleteRange
  int32_t ledger_retention_days = 730;   // ledger records (aggregates always kept): compaction
  int32_t symbol_idle_days = 7;          // a symbol's state (all stages, changelog) goes after
                                         // this long without a tick; it then starts cold
  int32_t analyses_retention_days = 730; // stored analyses (a replay of a paid request answers
                                         // from them): compaction
  // Cache entries go once they can no longer be served (stored_at + TTL, or cache.max_age,
  // before the start of the day before the newest tick): compaction, no key.
  std::string admin_listen = "127.0.0.1:8080";
  std::string admin_token_env = "TICKGATE_ADMIN_TOKEN";
  int64_t admin_max_body_bytes = 64 * 1024;  // larger POST bodies get 413 unread
  int64_t admin_read_timeout_ms = 2'000;     // per read; a slower client is dropped
  int32_t admin_threads = 16;                // concurrent connections served
  std::string log_level = "info";
  event_thresholds events;
  int64_t min_ai_interval_ms = 60'000;
  int64_t critical_min_spacing_ms = 10'000;
  change_config change;
  int32_t batch_size = 5;
  int64_t batch_timeout_ms = 10'000;
  int64_t batch_idle_flush_ms = 10'000;  // live mode only: wall-clock flush of an idle batch
  int64_t cache_memory_bytes = 64ll << 20;
  std::map<std::string, int64_t> cache_ttl_ms;  // per response type
  quantise_config cache_quantise;
  int64_t cache_max_wait_ms = 300'000;  // a request waiting for an answer in flight: at most this
  int64_t cache_max_age_ms = 48ll * 3'600'000;
  budget_config budget;
  gateway_config gateway;
  alerts_config alerts;
  significance_config significance;
  std::string routing_provider = "auto";
  std::vector<std::string> routing_order;
  std::map<std::string, provider_config> providers;
  std::string pricing_file;
  std::map<std::string, model_price> prices;  // model -> price, for every configured model
  std::vector<agent_config> agents;           // sorted by name
  uint32_t version = 1;

  int agent_index(const std::string& name) const;
};

/// Reads, overrides, validates. Throws config_error.
std::shared_ptr<const config> load_config(const std::string& path,
                                          const std::vector<std::string>& set_overrides);

/// `current` with `set_overrides` applied on top, validated as at start-up; the file is not
/// read again (it may have changed or gone since). Throws config_error.
std::shared_ptr<const config> reload_config(const config& current,
                                            const std::vector<std::string>& set_overrides);

/// The agents' names in config order (agent indices in verdicts and the decision log).
std::vector<std::string> agent_names(const config& cfg);

/// The shipped default config: ./config/default.json, else the source tree's.
std::string default_config_path();

/// Loads prices for `models` from a LiteLLM model_prices_and_context_window.json file.
std::map<std::string, model_price> load_prices(const std::string& file,
                                               const std::vector<std::string>& models);

}  // namespace tickgate
