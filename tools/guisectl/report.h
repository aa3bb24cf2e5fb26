// report.h: guisectl's rows — parsed from an introspection report (lines of key=value fields, values
// %-escaped, introspection.h) or built by guisectl — and printed as an aligned table for people or as
// JSON for scripts (every value a JSON string, so a script never guesses a type). Values: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guisectl {

struct Row {
  std::string kind;  // the line's first word ("whoami", "object", "call")
  std::vector<std::pair<std::string, std::string>> fields;

  const std::string& get(std::string_view key) const;  // "" when absent
  void set(std::string key, std::string value);
};

std::vector<Row> parse_report(std::string_view text);

// `columns` picks and orders the fields shown; a missing field prints "-".
void print_table(const std::vector<Row>& rows, const std::vector<std::string>& columns);
// {"command": ..., <summary fields>, "<list>": [ {...}, ... ]}
void print_json(std::string_view command, const Row& summary, std::string_view list_name, const std::vector<Row>& rows);
// Key: value lines, one field per line (a single record for people).
void print_record(const Row& row);

}  // namespace guisectl
