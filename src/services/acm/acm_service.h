// ACM: certificates for the load balancers' TLS and HTTPS listeners.
//
// RequestCertificate answers the ARN at once, as ACM does: the certificate
// is PENDING_VALIDATION (its DomainValidationOptions show the CNAME record
// ACM would ask for (DNS) or the addresses it would write to (EMAIL)) while
// fargo's CA, through the issuer hook, makes its key and signs it off the
// state thread; then it is ISSUED (each name validated: SUCCESS), or FAILED
// (FailureReason OTHER) when the CA could not. Certificates still pending
// at a restart are issued again by Start. Tasks trust fargo's CA, so
// these certificates verify inside the VPCs. ImportCertificate keeps a
// client's PEM certificate, key and chain (re-importing into an ARN keeps
// the ARN and tags). State is per region, typed (acm_certificate.h), in
// acm.certificates.
//
// ELBv2 reads certificates by ARN (CertificateOf) and tells which load
// balancers use one (the users hook): DeleteCertificate refuses those with
// ResourceInUseException, and DescribeCertificate lists them in InUseBy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "services/acm/acm_certificate.h"
#include "services/service.h"
#include "store/typed_collection.h"

namespace fargo::services {

class AcmService final : public Service {
 public:
  // Issues a certificate for `names` (CN first) with a new key of
  // `key_algorithm` (RSA_2048, EC_prime256v1, EC_secp384r1): slow work (an
  // RSA key), for a thread other than the state thread. The issuer calls
  // `done` exactly once, on the state thread, later (or before it returns:
  // tests).
  struct Issued {
    std::string cert_pem, key_pem, chain_pem;
  };
  using IssueDone = std::function<void(Result<Issued>)>;
  using Issuer =
      std::function<void(const std::vector<std::string>& names, const std::string& key_algorithm, IssueDone done)>;
  // The ARNs of the load balancers using certificate `arn`.
  using Users = std::function<std::vector<std::string>(const std::string& arn)>;

  explicit AcmService(Env env);
  std::string name() const override { return "acm"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // Without an issuer RequestCertificate fails (InternalFailure).
  // REQUIRES: before Start.
  void SetIssuer(Issuer issuer) { issuer_ = std::move(issuer); }
  void SetUsers(Users users) { users_ = std::move(users); }
  // Called (on the state thread) after a re-import changed the material of
  // a certificate listeners may serve.
  void SetReimportHook(std::function<void()> hook) { reimported_ = std::move(hook); }

  // The certificate of `arn` (its region is the ARN's), or null.
  const acm::AcmCertificate* CertificateOf(const std::string& arn) const;

 private:
  Result<json::object> RequestCertificate(CallContext& ctx, json::object& in);
  Result<json::object> ImportCertificate(CallContext& ctx, json::object& in);
  Result<json::object> DescribeCertificate(CallContext& ctx, json::object& in);
  Result<json::object> ListCertificates(CallContext& ctx, json::object& in);
  Result<json::object> GetCertificate(CallContext& ctx, json::object& in);
  Result<json::object> DeleteCertificate(CallContext& ctx, json::object& in);
  Result<json::object> AddTagsToCertificate(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsForCertificate(CallContext& ctx, json::object& in);
  Result<json::object> RemoveTagsFromCertificate(CallContext& ctx, json::object& in);

  // The certificate named by the input's CertificateArn in the caller's
  // region. Errors: InvalidArnException, ResourceNotFoundException.
  Result<const acm::AcmCertificate*> Named(const CallContext& ctx, const json::object& in) const;
  std::vector<std::string> UsersOf(const std::string& arn) const;
  // Asks the issuer for the material of pending certificate `c`;
  // FinishIssue stores what it answers (unless the certificate went meanwhile).
  void Issue(const acm::AcmCertificate& c);
  void FinishIssue(const std::string& region, const std::string& arn, Result<Issued> issued);

  static const HandlerTable<AcmService>& Table();

  Env env_;
  store::TypedCollection<acm::AcmCertificate> certs_;
  Issuer issuer_;
  Users users_;
  std::function<void()> reimported_;
};

}  // namespace fargo::services
