#include "gateway/search/search_executor.hpp"

#include <limits>
#include <set>

#include "fhir/date_time.hpp"
#include "fhir/text_normalize.hpp"

namespace socialrx::gateway::search {
namespace {

using storage::SqlRow;
using storage::SqlValue;
using storage::StoredResource;

constexpr std::string_view kResourceColumns =
    "r.resource_type, r.id, r.version, r.seq, r.last_updated_ms, r.body";

std::string escape_like(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Builds the WHERE clause for the criteria, appending bound values in order.
class WhereBuilder {
 public:
  WhereBuilder(std::string_view type, std::vector<SqlValue>& params)
      : params_(params), type_(type) {
    sql_ = "r.resource_type = ? AND r.deleted = 0";
    params_.emplace_back(type_);
  }

  void add(const Criterion& criterion) {
    std::vector<SqlValue> values;
    std::string any;  // OR of the values
    for (const std::string& value : criterion.values) {
      if (!any.empty()) any += " OR ";
      any += "(" + condition(criterion, value, values) + ")";
    }
    if (criterion.special != Criterion::Special::none) {
      sql_ += " AND (" + any + ")";
    } else {
      // Driven from the index (type, param, value) rather than by probing it per resource, so
      // a selective criterion stays fast however many resources of the type there are.
      sql_ += criterion.modifier == "not" ? " AND r.id NOT IN" : " AND r.id IN";
      sql_ += " (SELECT s.resource_id FROM search_index s WHERE s.resource_type = ?"
              " AND s.param = ?";
      // Only date rows have a range, and only they are in the (partial) range index: the
      // condition lets the planner use it (migration 5).
      if (criterion.parameter->kind == ParamKind::date) sql_ += " AND s.low IS NOT NULL";
      sql_ += " AND (" + any + "))";
      params_.emplace_back(type_);
      params_.emplace_back(std::string(criterion.parameter->code));
    }
    params_.insert(params_.end(), values.begin(), values.end());
  }

  void add_raw(std::string_view condition, std::initializer_list<SqlValue> values) {
    sql_ += " AND ";
    sql_ += condition;
    params_.insert(params_.end(), values.begin(), values.end());
  }

  void add(const VisibleOnly& visible) {
    std::string any = "1 = 0";
    if (!visible.ids.empty()) {
      any = "r.id IN (";
      for (std::size_t i = 0; i < visible.ids.size(); ++i) {
        any += i == 0 ? "?" : ", ?";
        params_.emplace_back(visible.ids[i]);
      }
      any += ")";
    }
    if (!visible.param.empty()) {
      any += " OR r.id IN (SELECT s.resource_id FROM search_index s WHERE s.resource_type = ?"
             " AND s.param = ? AND s.value = ?)";
      params_.insert(params_.end(), {type_, visible.param, visible.value});
    }
    sql_ += " AND (" + any + ")";
  }

  const std::string& sql() const { return sql_; }

 private:
  std::vector<SqlValue>& params_;
  std::string type_;
  std::string sql_;

  // The date comparators of the FHIR search spec between the stored range [low, high] and the
  // searched range [ql, qh].
  static std::string date_condition(const std::string& l, const std::string& h,
                                    std::string_view value, std::vector<SqlValue>& out) {
    const auto [comparator, text] = split_prefix(value);
    const auto range = fhir::time_range(text);  // checked while parsing
    const std::int64_t ql = range ? range->low_ms : 0;
    const std::int64_t qh = range ? range->high_ms : 0;
    switch (comparator) {
      case Comparator::eq:
        out.insert(out.end(), {ql, qh});
        return l + " >= ? AND " + h + " <= ?";
      case Comparator::ne:
        out.insert(out.end(), {ql, qh});
        return "NOT (" + l + " >= ? AND " + h + " <= ?)";
      case Comparator::lt:
        out.emplace_back(ql);
        return l + " < ?";
      case Comparator::gt:
        out.emplace_back(qh);
        return h + " > ?";
      case Comparator::le:
        out.emplace_back(qh);
        return l + " <= ?";
      case Comparator::ge:
        out.emplace_back(ql);
        return h + " >= ?";
      case Comparator::sa:
        out.emplace_back(qh);
        return l + " > ?";
      case Comparator::eb:
        out.emplace_back(ql);
        return h + " < ?";
      case Comparator::ap:
        out.insert(out.end(), {qh, ql});
        return l + " <= ? AND " + h + " >= ?";
    }
    return "1 = 0";
  }

  static std::string condition(const Criterion& criterion, const std::string& value,
                               std::vector<SqlValue>& out) {
    if (criterion.special == Criterion::Special::id) {
      out.emplace_back(value);
      return "r.id = ?";
    }
    if (criterion.special == Criterion::Special::last_updated) {
      return date_condition("r.last_updated_ms", "r.last_updated_ms", value, out);
    }
    switch (criterion.parameter->kind) {
      case ParamKind::token: {
        const std::size_t bar = value.find('|');
        if (bar == std::string::npos) {
          out.emplace_back(value);
          return "s.value = ?";
        }
        const std::string system = value.substr(0, bar);
        const std::string code = value.substr(bar + 1);
        if (code.empty()) {
          out.emplace_back(system);
          return "s.system = ?";
        }
        out.insert(out.end(), {system, code});
        return "s.system = ? AND s.value = ?";
      }
      case ParamKind::string:
        if (criterion.modifier == "exact") {
          out.emplace_back(value);
          return "s.system = ?";
        }
        if (criterion.modifier == "contains") {
          out.emplace_back("%" + escape_like(fhir::jp::search_key(value)) + "%");
          return "s.value LIKE ? ESCAPE '\\'";
        }
        out.emplace_back(escape_like(fhir::jp::search_key(value)) + "%");
        return "s.value LIKE ? ESCAPE '\\'";
      case ParamKind::reference: {
        std::string target = value;
        if (!criterion.modifier.empty() && target.find('/') == std::string::npos) {
          target = criterion.modifier + "/" + target;  // subject:Patient=123
        }
        if (target.find('/') == std::string::npos) {  // a bare id: a reference of any type
          out.emplace_back("%/" + escape_like(target));
          return "s.value LIKE ? ESCAPE '\\'";
        }
        out.emplace_back(target);
        return "s.value = ?";
      }
      case ParamKind::date:
        return date_condition("s.low", "s.high", value, out);
      case ParamKind::uri:
        out.emplace_back(value);
        return "s.value = ?";
    }
    return "1 = 0";
  }
};

StoredResource to_resource(const SqlRow& row) {
  StoredResource resource;
  resource.type = std::get<std::string>(row[0]);
  resource.id = std::get<std::string>(row[1]);
  resource.version = std::get<std::int64_t>(row[2]);
  resource.seq = std::get<std::int64_t>(row[3]);
  resource.last_updated_ms = std::get<std::int64_t>(row[4]);
  resource.body = std::get<std::string>(row[5]);
  return resource;
}

std::int64_t current_snapshot(storage::Connection& connection) {
  const auto rows = connection.query("SELECT COALESCE(MAX(seq), 0) FROM resource_versions");
  return rows.empty() ? 0 : std::get<std::int64_t>(rows[0][0]);
}

// Reads the resources that the matches' reference rows of `include` point to.
void add_includes(storage::Connection& connection, const Include& include,
                  const std::vector<StoredResource>& matches, std::set<std::string>& seen,
                  std::vector<StoredResource>& out) {
  for (const StoredResource& match : matches) {
    if (match.type != include.source_type) continue;
    const SqlValue keys[] = {match.type, match.id, std::string(include.parameter->code)};
    const auto targets = connection.query(
        "SELECT value FROM search_index WHERE resource_type = ? AND resource_id = ? AND param = ?",
        keys);
    for (const SqlRow& target : targets) {
      const std::string& reference = std::get<std::string>(target[0]);
      const std::size_t slash = reference.find('/');
      if (slash == std::string::npos || reference.find("://") != std::string::npos) continue;
      const std::string type = reference.substr(0, slash);
      if (!include.target_type.empty() && type != include.target_type) continue;
      if (!seen.insert(reference).second) continue;
      const SqlValue id_keys[] = {type, reference.substr(slash + 1)};
      const auto rows = connection.query(
          "SELECT " + std::string(kResourceColumns) +
              " FROM resources r WHERE r.resource_type = ? AND r.id = ? AND r.deleted = 0",
          id_keys);
      for (const SqlRow& row : rows) out.push_back(to_resource(row));
    }
  }
}

// Reads resources of include.source_type whose reference parameter points to a match.
void add_revincludes(storage::Connection& connection, const Include& include,
                     const std::vector<StoredResource>& matches, std::set<std::string>& seen,
                     std::vector<StoredResource>& out) {
  for (const StoredResource& match : matches) {
    if (!include.target_type.empty() && match.type != include.target_type) continue;
    const SqlValue keys[] = {include.source_type, std::string(include.parameter->code),
                             match.type + "/" + match.id};
    const auto rows = connection.query(
        "SELECT " + std::string(kResourceColumns) +
            " FROM resources r WHERE r.deleted = 0 AND EXISTS (SELECT 1 FROM search_index s"
            " WHERE s.resource_type = ? AND s.resource_id = r.id AND r.resource_type = s.resource_type"
            " AND s.param = ? AND s.value = ?) ORDER BY r.seq LIMIT 1000",
        keys);
    for (const SqlRow& row : rows) {
      StoredResource resource = to_resource(row);
      if (seen.insert(resource.type + "/" + resource.id).second) out.push_back(std::move(resource));
    }
  }
}

}  // namespace

SearchPage execute_search(storage::Connection& connection, const SearchRequest& request) {
  SearchPage page;
  page.snapshot = request.snapshot ? *request.snapshot : current_snapshot(connection);

  std::vector<SqlValue> params;
  WhereBuilder where(request.type, params);
  for (const Criterion& criterion : request.criteria) where.add(criterion);
  if (request.visible_only) where.add(*request.visible_only);
  where.add_raw("r.seq <= ?", {page.snapshot});

  if (request.summary_count) {
    const auto rows = connection.query("SELECT COUNT(*) FROM resources r WHERE " + where.sql(), params);
    page.total = rows.empty() ? 0 : std::get<std::int64_t>(rows[0][0]);
    return page;
  }
  if (request.after) {
    where.add_raw(request.descending
                      ? "(r.last_updated_ms < ? OR (r.last_updated_ms = ? AND r.seq < ?))"
                      : "(r.last_updated_ms > ? OR (r.last_updated_ms = ? AND r.seq > ?))",
                  {request.after->last_updated_ms, request.after->last_updated_ms,
                   request.after->seq});
  }
  const std::string order = request.descending ? " ORDER BY r.last_updated_ms DESC, r.seq DESC"
                                               : " ORDER BY r.last_updated_ms, r.seq";
  params.emplace_back(static_cast<std::int64_t>(request.count + 1));
  const auto rows = connection.query("SELECT " + std::string(kResourceColumns) +
                                         " FROM resources r WHERE " + where.sql() + order +
                                         " LIMIT ?",
                                     params);
  for (const SqlRow& row : rows) page.matches.push_back(to_resource(row));
  if (page.matches.size() > request.count) {
    page.matches.resize(request.count);
    if (!page.matches.empty()) {
      page.next = PageCursor{page.matches.back().last_updated_ms, page.matches.back().seq};
    }
  }

  std::set<std::string> seen;
  for (const StoredResource& match : page.matches) seen.insert(match.type + "/" + match.id);
  for (const Include& include : request.includes) {
    add_includes(connection, include, page.matches, seen, page.included);
  }
  for (const Include& include : request.revincludes) {
    add_revincludes(connection, include, page.matches, seen, page.included);
  }
  return page;
}

std::vector<std::string> find_matching_ids(storage::Connection& connection,
                                           const SearchRequest& request, std::size_t limit) {
  std::vector<SqlValue> params;
  WhereBuilder where(request.type, params);
  for (const Criterion& criterion : request.criteria) where.add(criterion);
  params.emplace_back(static_cast<std::int64_t>(limit));
  const auto rows =
      connection.query("SELECT r.id FROM resources r WHERE " + where.sql() + " ORDER BY r.seq LIMIT ?",
                       params);
  std::vector<std::string> ids;
  for (const SqlRow& row : rows) ids.push_back(std::get<std::string>(row[0]));
  return ids;
}

}  // namespace socialrx::gateway::search
