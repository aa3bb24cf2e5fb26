#include "report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

namespace guisectl {
namespace {

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      const std::string hex(text.substr(i + 1, 2));
      out += static_cast<char>(std::stoi(hex, nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_object(const Row& row) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : row.fields) {
    out += (first ? "" : ", ") + json_string(key) + ": " + json_string(value);
    first = false;
  }
  return out + "}";
}

}  // namespace

const std::string& Row::get(std::string_view key) const {
  static const std::string empty;
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return empty;
}

void Row::set(std::string key, std::string value) {
  for (auto& [k, v] : fields) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::move(key), std::move(value));
}

std::vector<Row> parse_report(std::string_view text) {
  std::vector<Row> rows;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    Row row;
    while (!line.empty()) {
      const std::size_t space = std::min(line.find(' '), line.size());
      const std::string_view word = line.substr(0, space);
      line.remove_prefix(std::min(space + 1, line.size()));
      if (word.empty()) continue;
      const std::size_t eq = word.find('=');
      if (eq == std::string_view::npos) {
        if (row.kind.empty()) row.kind = std::string(word);
        continue;
      }
      row.set(std::string(word.substr(0, eq)), unescape(word.substr(eq + 1)));
    }
    if (!row.kind.empty() || !row.fields.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

void print_table(const std::vector<Row>& rows, const std::vector<std::string>& columns) {
  std::vector<std::size_t> width;
  for (const auto& c : columns) width.push_back(c.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string& v = row.get(columns[i]);
      width[i] = std::max(width[i], v.empty() ? 1 : v.size());
    }
  }
  auto line = [&](auto cell) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string v = cell(i);
      if (i + 1 < columns.size()) v.resize(width[i] + 2, ' ');
      out += v;
    }
    std::printf("%s\n", out.c_str());
  };
  line([&](std::size_t i) {
    std::string header = columns[i];
    std::transform(header.begin(), header.end(), header.begin(), [](unsigned char c) { return std::toupper(c); });
    return header;
  });
  for (const auto& row : rows) {
    line([&](std::size_t i) {
      const std::string& v = row.get(columns[i]);
      return v.empty() ? std::string("-") : v;
    });
  }
}

void print_json(std::string_view command, const Row& summary, std::string_view list_name, const std::vector<Row>& rows) {
  std::string out = "{" + json_string("command") + ": " + json_string(command);
  for (const auto& [key, value] : summary.fields) out += ", " + json_string(key) + ": " + json_string(value);
  if (!list_name.empty()) {
    out += ", " + json_string(list_name) + ": [";
    for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? ", " : "") + json_object(rows[i]);
    out += "]";
  }
  std::printf("%s}\n", out.c_str());
}

void print_record(const Row& row) {
  std::size_t width = 0;
  for (const auto& [key, value] : row.fields) width = std::max(width, key.size());
  for (const auto& [key, value] : row.fields) {
    std::printf("%-*s  %s\n", static_cast<int>(width + 1), (key + ":").c_str(), value.c_str());
  }
}

}  // namespace guisectl
