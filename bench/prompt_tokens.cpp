// The prompts tickgate sends, per agent, over a replay of real data: the decision chain
// (prioritise -> change -> sampling -> batching policies) forms the requests and the prompt
// builder renders them, exactly as the gateway and callers do. Prints bytes per analysis per
// agent and writes every prompt as JSON lines, for counting with a real tokenizer:
//   build/bench/prompt_tokens --csv FILE [--format trades|bars] [--tz ZONE] [--out FILE.jsonl]
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "actors/llm/prompt.hpp"
#include "app/feeds/csv_feed.hpp"
#include "bench/stage_chain.hpp"

using namespace tickgate;

int main(int argc, char** argv) {
  std::string csv, format = "auto", tz, out_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--csv") csv = v;
    else if (k == "--format") format = v;
    else if (k == "--tz") tz = v;
    else if (k == "--out") out_path = v;
  }
  if (csv.empty()) {
    std::fprintf(stderr, "usage: prompt_tokens --csv FILE [--format F] [--tz ZONE] [--out FILE]\n");
    return 2;
  }
  auto cfg = load_config(std::string(TICKGATE_SOURCE_DIR) + "/config/default.json", {});
  bench::stage_chain chain(cfg);
  std::ofstream out;
  if (!out_path.empty()) out.open(out_path);
  struct per_agent {
    int64_t requests = 0, items = 0, system_bytes = 0, user_bytes = 0;
  };
  std::map<std::string, per_agent> by_agent;
  auto emit = [&](uint16_t agent, std::vector<request_item> items) {
    auto req = make_request(*cfg, agent, std::move(items));
    const auto& a = cfg->agents.at(agent);
    const auto sys = system_prompt(a);
    const auto user = user_prompt(a, req);
    auto& s = by_agent[a.name];
    ++s.requests;
    s.items += static_cast<int64_t>(req.items.size());
    s.system_bytes += static_cast<int64_t>(sys.size());
    s.user_bytes += static_cast<int64_t>(user.size());
    if (out) out << nlohmann::json{{"agent", a.name}, {"items", req.items.size()}, {"system", sys}, {"user", user}}.dump() << '\n';
  };
  for (auto t : read_csv_ticks(csv, {format, tz, ""})) {
    auto& w = chain.w;
    w.t = t;
    w.t.partition = 0;
    chain.prio.assess(w.t, w.snap, w.events);
    initial_verdicts(cfg->agents, w);
    chain.change.assess(w);
    chain.sampling.decide(w);
    for (auto& [agent, items] : chain.batching.advance(0, w.t.ts)) emit(agent, std::move(items));
    for (auto& v : w.verdicts) {
      if (v.act == static_cast<uint8_t>(action::call)) emit(v.agent, {make_item(*cfg, w, v)});
      else if (v.act == static_cast<uint8_t>(action::batch))
        if (auto full = chain.batching.add(v.agent, make_item(*cfg, w, v), 0); !full.empty())
          emit(v.agent, std::move(full));
    }
  }
  for (auto& [agent, items] : chain.batching.flush_all()) emit(agent, std::move(items));
  std::printf("%-20s %9s %7s %14s %16s %18s\n", "agent", "requests", "items", "system bytes",
              "user bytes/item", "total bytes/item");
  for (auto& [name, s] : by_agent)
    std::printf("%-20s %9lld %7lld %14.0f %16.1f %18.1f\n", name.c_str(), static_cast<long long>(s.requests),
                static_cast<long long>(s.items), static_cast<double>(s.system_bytes) / static_cast<double>(s.requests),
                static_cast<double>(s.user_bytes) / static_cast<double>(s.items),
                static_cast<double>(s.system_bytes + s.user_bytes) / static_cast<double>(s.items));
  return 0;
}
