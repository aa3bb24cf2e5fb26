// probe_interface.h: the test interface servers expose to integration tests, the demo and interop.
//
// Each opnum reports what the server saw or what the kernel allowed, as "key=value" lines, so tests
// assert on the kernel's view (/proc/self/task/TID/status, open() results), never on our variables.
// Opnum 7 (AddOne) has a real NDR signature for impacket: [in] ULONG x, [out] ULONG* y, returns ULONG.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/interface_registry.h"

namespace guise::rpc::testing {

inline constexpr InterfaceId kProbeInterface = {
    {0x7c3a1f52, 0x9d4e, 0x4b8a, {0xa1, 0xc6, 0x3e, 0x5f, 0x0b, 0x2d, 0x9a, 0x17}}, 1, 0};
inline constexpr InterfaceId kEchoInterface = {
    {0x7c3a1f52, 0x9d4e, 0x4b8a, {0xa1, 0xc6, 0x3e, 0x5f, 0x0b, 0x2d, 0x9a, 0x18}}, 1, 0};

enum ProbeOp : std::uint16_t {
  kEcho = 0,
  kWhoAmI = 1,              // the call attributes
  kOpenAs = 2,              // impersonate, open(in), report errno and the thread's Uid line, revert
  kImpersonateAndForget = 3,
  kImpersonateAndThrow = 4,
  kThreadStatus = 5,        // the serving thread's /proc status and whether it impersonates
  kAllThreads = 6,          // every thread's Uid line: no thread may be left as a caller
  kAddOne = 7,              // NDR: [in] ULONG, [out] ULONG*, ULONG return
  kBlock = 8,               // waits (≤ 30 s) until kRelease
  kRelease = 9,
  kBigReply = 10,           // in: ULONG n → n bytes (i & 0xff)
  kSum = 11,                // → "size=<n> sum=<sum of bytes>"
  kEndThread = 12,          // pthread_exit() from inside the handler
  kHoldDescriptors = 13,    // opens /dev/null until the process has no descriptor left → "held=<n>"
  kReleaseDescriptors = 14, // closes them again
  kProbeOpCount = 15,
};

InterfaceRegistration probe_interface();
// Forgets a kRelease that found no blocked call (each test starts with a clean kBlock).
void reset_probe_state();
InterfaceRegistration echo_interface();

// Parses "key=value" lines.
std::map<std::string, std::string> parse_fields(std::string_view text);
std::string as_text(const std::vector<std::byte>& bytes);
std::vector<std::byte> as_bytes(std::string_view text);

}  // namespace guise::rpc::testing
