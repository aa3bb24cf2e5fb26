// token.h: an immutable identity — who a caller is and at which impersonation level.
//
// A Token holds uid, primary gid, supplementary groups, the pid when known, the SIDs derived from
// them (user S-1-22-1-<uid>, groups S-1-22-2-<gid>, and the well-known SIDs Everyone, Authenticated
// Users, Local System and Builtin Administrators for uid 0), a principal name ("Unix User\<name>",
// or the decimal uid when NSS has no name), the impersonation level, and the anonymous flag.
//
// Tokens are built from the kernel's peer credentials of a connected socket, from a uid through NSS,
// or from the process's own ids — never from bytes a peer sent. A token a network security provider
// (GSSAPI) built is marked a network logon, and may carry the credential its client delegated (spec
// R63: only at DELEGATE level; released when the last copy of the token goes). A Token is a value:
// copying shares the immutable data (one atomic increment), nothing ever changes it, and it is safe
// from any thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "identity/impersonation_level.h"
#include "identity/peer_credentials.h"
#include "identity/sid.h"

namespace guise::identity {

// A credential a remote client delegated to this server with its authentication (Kerberos: its
// forwarded TGT), kept so the server can act as the client towards a third machine (spec R63). The
// mechanism that made it owns and releases it; a Token only shares it. Thread-safety: immutable.
class DelegatedCredential {
 public:
  virtual ~DelegatedCredential() = default;
  // Where an initiator finds it: a krb5 credential cache name ("MEMORY:guise-delegated-7").
  virtual const std::string& cache_name() const noexcept = 0;
};

class Token {
 public:
  // From kernel-attested peer credentials. Groups come from SO_PEERGROUPS; if the kernel could not
  // report them, from NSS for the uid (and the token records that groups were looked up).
  static Token from_peer(const PeerCredentials& peer, ImpersonationLevel level);
  // From a uid through NSS (name, primary gid, groups). kNotFound if NSS has no such user and
  // primary_gid is not given; with primary_gid, an unknown uid is a nameless user with no extra groups.
  static Result<Token> for_uid(uid_t uid, ImpersonationLevel level,
                               std::optional<gid_t> primary_gid = std::nullopt);
  // Exactly these ids (tests, and identities mapped by a security provider).
  static Token for_ids(uid_t uid, gid_t gid, std::vector<gid_t> groups, ImpersonationLevel level,
                       std::optional<pid_t> pid = std::nullopt);
  // The process's own identity: the effective uid/gid and the groups the calling thread has when it
  // does not impersonate, from the kernel (getresuid/getresgid/getgroups; impersonation.h's
  // process_kernel_ids), never from NSS.
  static Token process();
  // Anonymous Logon (S-1-5-7): names no one; kernel ids are the unprivileged identity.
  static Token anonymous();

  uid_t uid() const noexcept { return data_->uid; }
  gid_t gid() const noexcept { return data_->gid; }
  const std::vector<gid_t>& groups() const noexcept { return data_->groups; }
  std::optional<pid_t> pid() const noexcept { return data_->pid; }
  ImpersonationLevel level() const noexcept { return data_->level; }
  bool is_anonymous() const noexcept { return data_->anonymous; }
  // Whether uid/gid/groups came from the kernel (SO_PEERCRED/SO_PEERGROUPS) rather than a lookup.
  bool ids_attested() const noexcept { return data_->attested; }

  const Sid& user_sid() const noexcept { return data_->user_sid; }
  // Group SIDs and well-known SIDs this token is a member of (for AccessCheck), user SID excluded.
  const std::vector<Sid>& group_sids() const noexcept { return data_->group_sids; }
  bool has_sid(const Sid& sid) const noexcept;

  // "Unix User\alice", "Unix User\41001", or "NT AUTHORITY\ANONYMOUS LOGON".
  const std::string& principal_name() const noexcept { return data_->principal_name; }

  // The same identity at another level (e.g. capped at what the client granted).
  Token with_level(ImpersonationLevel level) const;
  // The same identity under the name its authentication proved ("alice@EXAMPLE.TEST",
  // "TESTDOM\alice"): remote callers mapped to a local user keep their principal.
  Token with_principal_name(std::string name) const;

  // The same identity as a network logon: authenticated by a remote security provider, not attested
  // by this machine's kernel. `delegated` is kept only while the level is DELEGATE.
  Token as_network_logon(std::shared_ptr<const DelegatedCredential> delegated) const;
  bool is_network_logon() const noexcept { return data_->network; }
  // What the client delegated (nullptr: nothing; always nullptr below DELEGATE level).
  const std::shared_ptr<const DelegatedCredential>& delegated_credential() const noexcept { return data_->delegated; }

  // Same identity (uid, gid, groups, anonymous flag, level).
  friend bool operator==(const Token& a, const Token& b) noexcept;

 private:
  struct Data {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::optional<pid_t> pid;
    ImpersonationLevel level = ImpersonationLevel::kIdentify;
    bool anonymous = false;
    bool attested = false;
    bool network = false;
    std::shared_ptr<const DelegatedCredential> delegated;
    Sid user_sid;
    std::vector<Sid> group_sids;
    std::string principal_name;
  };
  explicit Token(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  static Token build(Data data);

  std::shared_ptr<const Data> data_;
};

}  // namespace guise::identity
