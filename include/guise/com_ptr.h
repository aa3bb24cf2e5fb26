// com_ptr.h: owning pointer to a COM interface (the WRL ComPtr shape).
//
// ComPtr<T> holds exactly one reference: AddRef on copy, Release on reset or destruction, so early
// returns and exceptions cannot leak a reference. A moved-from ComPtr is null.
// Thread-safety: like a raw pointer. The object behind it follows its apartment's rules.
#pragma once

#include <cstddef>
#include <utility>

#include "guise/unknwn.h"

namespace guise {

template <class T>
class ComPtr {
 public:
  using InterfaceType = T;

  ComPtr() noexcept = default;
  ComPtr(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): mirrors WRL
  // Takes a new reference to p (AddRef), as WRL does; use Attach to adopt an existing one.
  explicit ComPtr(T* p) noexcept : ptr_(p) { add_ref(); }
  ComPtr(const ComPtr& other) noexcept : ptr_(other.ptr_) { add_ref(); }
  ComPtr(ComPtr&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  ComPtr(const ComPtr<U>& other) noexcept : ptr_(other.Get()) {  // NOLINT: implicit upcast
    add_ref();
  }
  ~ComPtr() { release(); }

  ComPtr& operator=(const ComPtr& other) noexcept {
    ComPtr(other).Swap(*this);
    return *this;
  }
  ComPtr& operator=(ComPtr&& other) noexcept {
    ComPtr(std::move(other)).Swap(*this);
    return *this;
  }
  ComPtr& operator=(std::nullptr_t) noexcept {
    release();
    return *this;
  }

  T* Get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  // For out-parameters: the ComPtr must be empty (use ReleaseAndGetAddressOf otherwise).
  T** GetAddressOf() noexcept { return &ptr_; }
  T* const* GetAddressOf() const noexcept { return &ptr_; }
  T** ReleaseAndGetAddressOf() noexcept {
    release();
    return &ptr_;
  }

  // Adopts p's existing reference (no AddRef).
  void Attach(T* p) noexcept {
    release();
    ptr_ = p;
  }
  // Gives up ownership without Release; the caller now owns the reference.
  [[nodiscard]] T* Detach() noexcept { return std::exchange(ptr_, nullptr); }
  void Reset() noexcept { release(); }
  void Swap(ComPtr& other) noexcept { std::swap(ptr_, other.ptr_); }

  // QueryInterface for U; *out is replaced on success and emptied on failure.
  template <class U>
  HRESULT As(ComPtr<U>* out) const noexcept {
    if (out == nullptr) return E_POINTER;
    if (ptr_ == nullptr) return E_POINTER;
    return ptr_->QueryInterface(uuidof<U>(), reinterpret_cast<void**>(out->ReleaseAndGetAddressOf()));
  }
  HRESULT AsIID(REFIID riid, ComPtr<IUnknown>* out) const noexcept {
    if (out == nullptr || ptr_ == nullptr) return E_POINTER;
    return ptr_->QueryInterface(riid, reinterpret_cast<void**>(out->ReleaseAndGetAddressOf()));
  }
  // Hands out a new reference through a raw out-pointer (the usual COM out-parameter).
  HRESULT CopyTo(T** out) const noexcept {
    if (out == nullptr) return E_POINTER;
    *out = ptr_;
    add_ref();
    return S_OK;
  }

  friend bool operator==(const ComPtr& a, const ComPtr& b) noexcept { return a.ptr_ == b.ptr_; }
  friend bool operator==(const ComPtr& a, std::nullptr_t) noexcept { return a.ptr_ == nullptr; }

 private:
  void add_ref() const noexcept {
    if (ptr_ != nullptr) ptr_->AddRef();
  }
  void release() noexcept {
    if (T* p = std::exchange(ptr_, nullptr)) p->Release();
  }

  T* ptr_ = nullptr;
};

}  // namespace guise
