#include "cloud/autoscaling_model.h"

namespace ebbflow::cloud {

int AsgGroup::live_count() const {
  int n = 0;
  for (const auto& m : members) n += m.lifecycle_state != kAsgTerminating;
  return n;
}

nlohmann::json to_json(const AsgGroup& g) {
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, t] : g.tags) tags[k] = {{"value", t.value}, {"propagate", t.propagate_at_launch}};
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : g.members) {
    members.push_back({{"id", m.instance_id}, {"type", m.instance_type}, {"state", m.lifecycle_state},
                       {"launched_at", m.launched_at}, {"sequence", m.sequence}});
  }
  nlohmann::json notes = nlohmann::json::object();
  for (const auto& [topic, types] : g.notifications) notes[topic] = types;
  return {{"name", g.name},
          {"arn", g.arn},
          {"launch_template_name", g.launch_template_name},
          {"launch_template_id", g.launch_template_id},
          {"min_size", g.min_size},
          {"max_size", g.max_size},
          {"desired_capacity", g.desired_capacity},
          {"tags", tags},
          {"created_time", g.created_time},
          {"members", members},
          {"notifications", notes},
          {"deleting", g.deleting},
          {"next_sequence", g.next_sequence}};
}

Result<AsgGroup> group_from_json(const nlohmann::json& j) {
  try {
    AsgGroup g;
    g.name = j.at("name").get<std::string>();
    g.arn = j.at("arn").get<std::string>();
    g.launch_template_name = j.at("launch_template_name").get<std::string>();
    g.launch_template_id = j.value("launch_template_id", "");
    g.min_size = j.at("min_size").get<int>();
    g.max_size = j.at("max_size").get<int>();
    g.desired_capacity = j.at("desired_capacity").get<int>();
    // Locals, not j.value(...) in the range-for: the temporary would die before the loop body.
    const nlohmann::json tags = j.value("tags", nlohmann::json::object());
    const nlohmann::json members = j.value("members", nlohmann::json::array());
    const nlohmann::json notes = j.value("notifications", nlohmann::json::object());
    for (const auto& [k, t] : tags.items()) {
      g.tags[k] = AsgTag{t.at("value").get<std::string>(), t.value("propagate", false)};
    }
    g.created_time = j.value("created_time", int64_t{0});
    for (const auto& m : members) {
      g.members.push_back(AsgMember{m.at("id").get<std::string>(), m.value("type", ""),
                                    m.value("state", std::string(kAsgPending)), m.value("launched_at", int64_t{0}),
                                    m.value("sequence", int64_t{0})});
    }
    for (const auto& [topic, types] : notes.items()) {
      g.notifications[topic] = types.get<std::set<std::string>>();
    }
    g.deleting = j.value("deleting", false);
    g.next_sequence = j.value("next_sequence", int64_t{1});
    return g;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::kInternal, "CorruptState",
                      std::string("stored Auto Scaling group: ") + e.what() + " in " + j.dump().substr(0, 300));
  }
}

}  // namespace ebbflow::cloud
