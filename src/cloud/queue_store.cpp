#include "cloud/queue_store.h"

#include <nlohmann/json.hpp>

namespace ebbflow::cloud {

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY, attributes TEXT, created INTEGER, modified INTEGER);
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY, queue TEXT, seq INTEGER, body TEXT, md5 TEXT, sent_ms INTEGER,
  visible_at_ms INTEGER, receive_count INTEGER, first_receive_ms INTEGER, nonce TEXT);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue);
)";

}  // namespace

Result<std::unique_ptr<QueueStore>> QueueStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path, kSchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<QueueStore>(new QueueStore(std::move(*db)));
}

Status QueueStore::put_queue(const QueueRecord& q) {
  return db_->run("write queue " + q.name, "INSERT OR REPLACE INTO queues VALUES (?1, ?2, ?3, ?4)",
                  {q.name, nlohmann::json(q.attributes).dump(), q.created_s, q.modified_s});
}

Status QueueStore::delete_queue(const std::string& name) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  for (const char* sql : {"DELETE FROM messages WHERE queue = ?1", "DELETE FROM queues WHERE name = ?1"})
    if (auto s = db_->run("delete queue " + name, sql, {name}); !s.ok()) return s;
  return txn.commit();
}

Status QueueStore::put_messages(const std::string& queue, const std::vector<const QueuedMessage*>& messages) {
  if (messages.empty()) return {};
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  sqlite::Statement st(*db_, "INSERT OR REPLACE INTO messages VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
  if (!st.ok()) return db_->error("prepare message upsert");
  for (const QueuedMessage* m : messages) {
    st.bind(1, m->id).bind(2, queue).bind(3, m->seq).bind(4, m->body).bind(5, m->md5).bind(6, m->sent_ms);
    st.bind(7, m->visible_at_ms).bind(8, int64_t{m->receive_count}).bind(9, m->first_receive_ms).bind(10, m->nonce);
    if (!st.done()) return db_->error("write message " + m->id);
    st.reset();
  }
  return txn.commit();
}

Status QueueStore::delete_messages(const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  sqlite::Statement st(*db_, "DELETE FROM messages WHERE id = ?1");
  for (const auto& id : ids) {
    st.bind(1, id);
    if (!st.done()) return db_->error("delete message " + id);
    st.reset();
  }
  return txn.commit();
}

Status QueueStore::purge(const std::string& queue) {
  return db_->run("purge queue " + queue, "DELETE FROM messages WHERE queue = ?1", {queue});
}

Result<std::vector<QueueRecord>> QueueStore::load() {
  std::map<std::string, QueueRecord> queues;
  sqlite::Statement qs(*db_, "SELECT name, attributes, created, modified FROM queues");
  while (qs.row()) {
    QueueRecord q;
    q.name = qs.text(0);
    auto attrs = nlohmann::json::parse(qs.text(1), nullptr, false);
    if (attrs.is_object())
      for (const auto& [k, v] : attrs.items())
        if (v.is_string()) q.attributes[k] = v.get<std::string>();
    q.created_s = qs.integer(2);
    q.modified_s = qs.integer(3);
    queues[q.name] = std::move(q);
  }
  sqlite::Statement ms(*db_,
                "SELECT id, queue, seq, body, md5, sent_ms, visible_at_ms, receive_count, first_receive_ms, nonce "
                "FROM messages");
  while (ms.row()) {
    auto it = queues.find(ms.text(1));
    if (it == queues.end()) continue;  // a queue deleted between the two writes of an older version
    QueuedMessage m;
    m.id = ms.text(0);
    m.seq = ms.integer(2);
    m.body = ms.text(3);
    m.md5 = ms.text(4);
    m.sent_ms = ms.integer(5);
    m.visible_at_ms = ms.integer(6);
    m.receive_count = static_cast<int>(ms.integer(7));
    m.first_receive_ms = ms.integer(8);
    m.nonce = ms.text(9);
    it->second.messages[m.seq] = std::move(m);
  }
  std::vector<QueueRecord> out;
  for (auto& [_, q] : queues) out.push_back(std::move(q));
  return out;
}

}  // namespace ebbflow::cloud
