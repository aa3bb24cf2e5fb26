#include "com/memory_stream.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>

#include "guise/objbase.h"

namespace guise::com {
namespace {

// The block and the stream size, shared by a stream and its clones.
struct SharedBlock {
  std::mutex mu;
  HGLOBAL block = nullptr;
  std::uint64_t size = 0;  // the stream's size; the block may be larger
  bool delete_on_release = false;
  ~SharedBlock() {
    if (delete_on_release && block != nullptr) GlobalFree(block);
  }
  // Makes the block hold at least `bytes`, growing geometrically. False when out of memory.
  bool reserve(std::uint64_t bytes) {
    if (bytes > static_cast<std::uint64_t>(SIZE_MAX / 2)) return false;
    const SIZE_T capacity = GlobalSize(block);
    if (bytes <= capacity) return true;
    const SIZE_T wanted = std::max<SIZE_T>(static_cast<SIZE_T>(bytes), capacity * 2);
    HGLOBAL grown = GlobalReAlloc(block, wanted, GMEM_MOVEABLE);
    if (grown == nullptr) return false;
    block = grown;
    return true;
  }
};

class MemoryStream final : public IStream {
 public:
  MemoryStream(std::shared_ptr<SharedBlock> shared, std::uint64_t position)
      : shared_(std::move(shared)), position_(position) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_ISequentialStream || riid == IID_IStream) {
      *ppv = static_cast<IStream*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }

  HRESULT STDMETHODCALLTYPE Read(void* pv, ULONG cb, ULONG* pcbRead) override {
    if (pv == nullptr && cb > 0) return STG_E_INVALIDPOINTER;
    std::lock_guard lock(shared_->mu);
    const std::uint64_t available = position_ < shared_->size ? shared_->size - position_ : 0;
    const auto n = static_cast<ULONG>(std::min<std::uint64_t>(cb, available));
    if (n > 0) std::memcpy(pv, static_cast<const unsigned char*>(GlobalLock(shared_->block)) + position_, n);
    position_ += n;
    if (pcbRead != nullptr) *pcbRead = n;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE Write(const void* pv, ULONG cb, ULONG* pcbWritten) override {
    if (pcbWritten != nullptr) *pcbWritten = 0;
    if (pv == nullptr && cb > 0) return STG_E_INVALIDPOINTER;
    std::lock_guard lock(shared_->mu);
    const std::uint64_t end = position_ + cb;
    if (end < position_ || !shared_->reserve(end)) return STG_E_MEDIUMFULL;
    auto* base = static_cast<unsigned char*>(GlobalLock(shared_->block));
    if (position_ > shared_->size) std::memset(base + shared_->size, 0, position_ - shared_->size);
    if (cb > 0) std::memcpy(base + position_, pv, cb);
    position_ = end;
    shared_->size = std::max(shared_->size, end);
    if (pcbWritten != nullptr) *pcbWritten = cb;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE Seek(LARGE_INTEGER dlibMove, DWORD dwOrigin, ULARGE_INTEGER* plibNewPosition) override {
    std::lock_guard lock(shared_->mu);
    std::int64_t base = 0;
    switch (dwOrigin) {
      case STREAM_SEEK_SET: base = 0; break;
      case STREAM_SEEK_CUR: base = static_cast<std::int64_t>(position_); break;
      case STREAM_SEEK_END: base = static_cast<std::int64_t>(shared_->size); break;
      default: return STG_E_INVALIDFUNCTION;
    }
    std::int64_t target = 0;
    if (__builtin_add_overflow(base, dlibMove.QuadPart, &target) || target < 0) return STG_E_INVALIDFUNCTION;
    position_ = static_cast<std::uint64_t>(target);
    if (plibNewPosition != nullptr) plibNewPosition->QuadPart = position_;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE SetSize(ULARGE_INTEGER libNewSize) override {
    std::lock_guard lock(shared_->mu);
    if (!shared_->reserve(libNewSize.QuadPart)) return STG_E_MEDIUMFULL;
    if (libNewSize.QuadPart > shared_->size) {
      std::memset(static_cast<unsigned char*>(GlobalLock(shared_->block)) + shared_->size, 0,
                  libNewSize.QuadPart - shared_->size);
    }
    shared_->size = libNewSize.QuadPart;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE CopyTo(IStream* pstm, ULARGE_INTEGER cb, ULARGE_INTEGER* pcbRead,
                                   ULARGE_INTEGER* pcbWritten) override {
    if (pstm == nullptr) return STG_E_INVALIDPOINTER;
    std::uint64_t total_read = 0;
    std::uint64_t total_written = 0;
    unsigned char chunk[4096];
    HRESULT hr = S_OK;
    while (total_read < cb.QuadPart) {
      ULONG got = 0;
      hr = Read(chunk, static_cast<ULONG>(std::min<std::uint64_t>(sizeof chunk, cb.QuadPart - total_read)), &got);
      if (FAILED(hr) || got == 0) break;
      total_read += got;
      ULONG put = 0;
      hr = pstm->Write(chunk, got, &put);
      total_written += put;
      if (FAILED(hr)) break;
    }
    if (pcbRead != nullptr) pcbRead->QuadPart = total_read;
    if (pcbWritten != nullptr) pcbWritten->QuadPart = total_written;
    return hr;
  }

  HRESULT STDMETHODCALLTYPE Commit(DWORD) override { return S_OK; }
  HRESULT STDMETHODCALLTYPE Revert() override { return S_OK; }
  HRESULT STDMETHODCALLTYPE LockRegion(ULARGE_INTEGER, ULARGE_INTEGER, DWORD) override { return STG_E_INVALIDFUNCTION; }
  HRESULT STDMETHODCALLTYPE UnlockRegion(ULARGE_INTEGER, ULARGE_INTEGER, DWORD) override { return STG_E_INVALIDFUNCTION; }

  HRESULT STDMETHODCALLTYPE Stat(STATSTG* pstatstg, DWORD) override {
    if (pstatstg == nullptr) return STG_E_INVALIDPOINTER;
    std::memset(pstatstg, 0, sizeof *pstatstg);
    std::lock_guard lock(shared_->mu);
    pstatstg->type = STGTY_STREAM;
    pstatstg->cbSize.QuadPart = shared_->size;
    pstatstg->grfMode = STGM_READWRITE;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE Clone(IStream** ppstm) override {
    if (ppstm == nullptr) return STG_E_INVALIDPOINTER;
    std::uint64_t position = 0;
    {
      std::lock_guard lock(shared_->mu);
      position = position_;
    }
    *ppstm = new (std::nothrow) MemoryStream(shared_, position);
    return *ppstm == nullptr ? E_OUTOFMEMORY : S_OK;
  }

  HGLOBAL block() const {
    std::lock_guard lock(shared_->mu);
    return shared_->block;
  }

 private:
  ~MemoryStream() = default;
  std::shared_ptr<SharedBlock> shared_;
  std::uint64_t position_;  // guarded by shared_->mu
  std::atomic<ULONG> refs_{1};
};

}  // namespace

HRESULT create_memory_stream(HGLOBAL block, bool delete_on_release, IStream** out) {
  auto shared = std::make_shared<SharedBlock>();
  if (block == nullptr) {
    block = GlobalAlloc(GMEM_MOVEABLE, 0);
    if (block == nullptr) return E_OUTOFMEMORY;
    shared->size = 0;
  } else {
    shared->size = GlobalSize(block);
  }
  shared->block = block;
  shared->delete_on_release = delete_on_release;
  *out = new (std::nothrow) MemoryStream(std::move(shared), 0);
  return *out == nullptr ? E_OUTOFMEMORY : S_OK;
}

HRESULT memory_stream_block(IStream* stream, HGLOBAL* out) {
  auto* mine = dynamic_cast<MemoryStream*>(stream);
  if (mine == nullptr) return E_INVALIDARG;
  *out = mine->block();
  return S_OK;
}

}  // namespace guise::com

extern "C" HRESULT CreateStreamOnHGlobal(HGLOBAL hGlobal, BOOL fDeleteOnRelease, LPSTREAM* ppstm) {
  if (ppstm == nullptr) return E_INVALIDARG;
  *ppstm = nullptr;
  return guise::com::create_memory_stream(hGlobal, fDeleteOnRelease != FALSE, ppstm);
}

extern "C" HRESULT GetHGlobalFromStream(LPSTREAM pstm, HGLOBAL* phglobal) {
  if (pstm == nullptr || phglobal == nullptr) return E_INVALIDARG;
  return guise::com::memory_stream_block(pstm, phglobal);
}
