// GlobalAlloc and friends (winbase.h): a block is a header {size} followed by its bytes; the handle
// is the header's address, GlobalLock returns the bytes. Blocks never move, so locks need no count.
#include <cstdlib>
#include <cstring>
#include <new>

#include "guise/winbase.h"

namespace {

struct alignas(16) GlobalBlock {
  SIZE_T size;
  SIZE_T magic;
};
constexpr SIZE_T kMagic = 0x47554953454D454Dull;  // "GUISEMEM"

GlobalBlock* block_of(HGLOBAL h) {
  auto* block = static_cast<GlobalBlock*>(h);
  return block != nullptr && block->magic == kMagic ? block : nullptr;
}

}  // namespace

extern "C" {

HGLOBAL GlobalAlloc(UINT uFlags, SIZE_T dwBytes) {
  if (dwBytes > static_cast<SIZE_T>(-1) - sizeof(GlobalBlock)) return nullptr;
  void* raw = (uFlags & GMEM_ZEROINIT) != 0 ? std::calloc(1, sizeof(GlobalBlock) + dwBytes)
                                            : std::malloc(sizeof(GlobalBlock) + dwBytes);
  if (raw == nullptr) return nullptr;
  auto* block = new (raw) GlobalBlock{dwBytes, kMagic};
  return block;
}

HGLOBAL GlobalReAlloc(HGLOBAL hMem, SIZE_T dwBytes, UINT uFlags) {
  GlobalBlock* block = block_of(hMem);
  if (block == nullptr || dwBytes > static_cast<SIZE_T>(-1) - sizeof(GlobalBlock)) return nullptr;
  const SIZE_T old = block->size;
  void* raw = std::realloc(block, sizeof(GlobalBlock) + dwBytes);
  if (raw == nullptr) return nullptr;
  block = static_cast<GlobalBlock*>(raw);
  if ((uFlags & GMEM_ZEROINIT) != 0 && dwBytes > old) {
    std::memset(reinterpret_cast<unsigned char*>(block + 1) + old, 0, dwBytes - old);
  }
  block->size = dwBytes;
  return block;
}

SIZE_T GlobalSize(HGLOBAL hMem) {
  GlobalBlock* block = block_of(hMem);
  return block == nullptr ? 0 : block->size;
}

LPVOID GlobalLock(HGLOBAL hMem) {
  GlobalBlock* block = block_of(hMem);
  return block == nullptr ? nullptr : static_cast<void*>(block + 1);
}

BOOL GlobalUnlock(HGLOBAL hMem) {
  (void)hMem;
  return FALSE;  // "the memory object is unlocked": no lock count is kept
}

HGLOBAL GlobalFree(HGLOBAL hMem) {
  if (hMem == nullptr) return nullptr;
  GlobalBlock* block = block_of(hMem);
  if (block == nullptr) return hMem;
  block->magic = 0;
  std::free(block);
  return nullptr;
}
}
