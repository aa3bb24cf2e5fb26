// Runs every commented hex vector in tests/unit/rpc/vectors: the decoder must give the DecodeError
// (or the packet type) the vector names on its "# expect:" line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "rpc/pdu.h"

namespace guise::rpc {
namespace {

struct Vector {
  std::string expect;
  std::vector<std::byte> bytes;
};

Vector load(const std::filesystem::path& path) {
  Vector v;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# expect: ", 0) == 0) v.expect = line.substr(10);
    std::istringstream fields(line.substr(0, line.find('#')));
    std::string hex;
    while (fields >> hex) v.bytes.push_back(static_cast<std::byte>(std::stoul(hex, nullptr, 16)));
  }
  return v;
}

std::string outcome(const std::vector<std::byte>& bytes) {
  auto pdu = decode_pdu(bytes, Limits{});
  if (!pdu.ok()) return std::string(decode_error_name(pdu.error()));
  PType type = std::visit([](const auto& p) { return p.header.type; }, *pdu);
  return "ok " + std::string(ptype_name(type));
}

TEST(PduVectors, EachVectorDecodesAsItsExpectLineSays) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(GUISE_RPC_VECTOR_DIR)) {
    if (entry.path().extension() != ".hex") continue;
    Vector v = load(entry.path());
    ASSERT_FALSE(v.expect.empty()) << entry.path() << " has no expect line";
    EXPECT_EQ(outcome(v.bytes), v.expect) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 10u);
}

}  // namespace
}  // namespace guise::rpc
