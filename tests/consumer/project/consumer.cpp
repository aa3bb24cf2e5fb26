// A program outside the guise tree, built against an installed guise.
#include <cstdio>
#include <string>

#include "guise/windows.h"
#include "identity/access_check.h"
#include "identity/sddl.h"

int main() {
  OLECHAR text[39];
  StringFromGUID2(IID_IUnknown, text, 39);
  std::string ascii;
  for (OLECHAR c : text) {
    if (c == 0) break;
    ascii += static_cast<char>(c);
  }
  using namespace guise::identity;
  const Token alice = Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kIdentify);
  auto sd = parse_sddl("O:SYG:SYD:(A;;0x1;;;S-1-22-1-41001)");
  if (!sd.ok()) return 1;
  const bool granted = access_check(alice, *sd, 0x1, GenericMapping{1, 1, 1, 1}).granted;
  HANDLE event = CreateEvent(nullptr, TRUE, TRUE, nullptr);
  const bool signaled = event != nullptr && WaitForSingleObject(event, 0) == WAIT_OBJECT_0 && CloseHandle(event);
  std::printf("consumer: %s %s %s %s\n", ascii.c_str(), alice.user_sid().to_string().c_str(),
              granted ? "granted" : "denied", signaled ? "signaled" : "unsignaled");
  return granted && signaled ? 0 : 1;
}
