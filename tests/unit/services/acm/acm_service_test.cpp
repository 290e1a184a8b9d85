// AcmService: certificates issued by fargo's CA (RequestCertificate) and
// imported ones, their views, tags, errors and use by load balancers.
#include <gtest/gtest.h>

#include <memory>

#include "common/clock.h"
#include "protocol/model.h"
#include "server/tls/tls_authority.h"
#include "services/acm/acm_service.h"
#include "services/acm/pem_certificate.h"
#include "store/store.h"
#include "temp_dir.h"

namespace fargo::services {
namespace {

constexpr int64_t kNowMs = 1795600800000;  // 2026-11-25T10:00:00Z

class AcmServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open(dir_.str() + "/state.db");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    auto ca = server::tls::TlsAuthority::LoadOrCreate(dir_.str() + "/ca", "test");
    ASSERT_TRUE(ca.ok());
    ca_ = std::move(*ca);
    Restart();
  }

  // A new service over the same store, as after a daemon restart.
  void Restart() {
    acm_ = std::make_unique<AcmService>(Env{*store_, clock_, ids_});
    pending_.clear();  // the old service's: gone with it
    acm_->SetIssuer([this](const std::vector<std::string>& names, const std::string& alg, AcmService::IssueDone done) {
      if (defer_) {
        pending_.push_back({names, alg, std::move(done)});
        return;
      }
      done(Issue(names, alg));
    });
    acm_->SetUsers([this](const std::string& arn) {
      return arn == in_use_ ? std::vector<std::string>{"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1"}
                            : std::vector<std::string>{};
    });
    ASSERT_TRUE(acm_->Start().ok());
  }

  Result<json::object> Call(const std::string& op_name, json::object input) {
    const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get("acm");
    EXPECT_NE(model, nullptr);
    const protocol::Operation* op = model->FindOperation(op_name);
    EXPECT_NE(op, nullptr);
    protocol::HttpRequest http;
    CallContext ctx{"us-east-1", "000000000000", "req-1", "AKID", *model, *op, http};
    return acm_->Invoke(ctx, input);
  }

  std::string Request(json::object in) {
    auto r = Call("RequestCertificate", std::move(in));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::string(r->at("CertificateArn").as_string()) : "";
  }

  std::string ErrorOf(const Result<json::object>& r) { return r.ok() ? "ok" : r.error().code; }

  Result<AcmService::Issued> Issue(const std::vector<std::string>& names, const std::string& alg) {
    FARGO_ASSIGN_OR_RETURN(auto c, ca_->IssueCertificate(names, alg));
    return AcmService::Issued{c.cert_pem, c.key_pem, c.chain_pem};
  }
  json::object Described(const std::string& arn) {
    auto d = Call("DescribeCertificate", {{"CertificateArn", arn}});
    EXPECT_TRUE(d.ok());
    return d.ok() ? d->at("Certificate").as_object() : json::object{};
  }

  // Issuances asked for while defer_ is set, not answered yet.
  struct Asked {
    std::vector<std::string> names;
    std::string key_algorithm;
    AcmService::IssueDone done;
  };
  bool defer_ = false;
  std::vector<Asked> pending_;

  test_util::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::tls::TlsAuthority> ca_;
  FakeClock clock_{kNowMs};
  SequentialIdGenerator ids_;
  std::unique_ptr<AcmService> acm_;
  std::string in_use_;
};

TEST_F(AcmServiceTest, RequestedCertificateIsIssuedByTheCaForItsNames) {
  std::string arn = Request({{"DomainName", "app.example.com"},
                             {"ValidationMethod", "DNS"},
                             {"SubjectAlternativeNames", json::array{"*.app.example.com", "app.example.com"}}});
  EXPECT_EQ(arn.rfind("arn:aws:acm:us-east-1:000000000000:certificate/", 0), 0u) << arn;
  auto d = Call("DescribeCertificate", {{"CertificateArn", arn}});
  ASSERT_TRUE(d.ok()) << d.error().message;
  const auto& c = d->at("Certificate").as_object();
  EXPECT_EQ(c.at("Status").as_string(), "ISSUED");
  EXPECT_EQ(c.at("Type").as_string(), "AMAZON_ISSUED");
  EXPECT_EQ(c.at("DomainName").as_string(), "app.example.com");
  EXPECT_EQ(c.at("SubjectAlternativeNames"), (json::array{"app.example.com", "*.app.example.com"}));
  EXPECT_EQ(c.at("KeyAlgorithm").as_string(), "RSA_2048");
  EXPECT_EQ(c.at("InUseBy").as_array().size(), 0u);
  const auto& options = c.at("DomainValidationOptions").as_array();
  ASSERT_EQ(options.size(), 2u);
  const auto& first = options[0].as_object();
  EXPECT_EQ(first.at("ValidationStatus").as_string(), "SUCCESS");
  EXPECT_EQ(first.at("ValidationMethod").as_string(), "DNS");
  const auto& rr = first.at("ResourceRecord").as_object();
  EXPECT_EQ(rr.at("Type").as_string(), "CNAME");
  std::string name(rr.at("Name").as_string());
  EXPECT_EQ(name.front(), '_');
  EXPECT_NE(name.find(".app.example.com."), std::string::npos) << name;
  EXPECT_NE(std::string(rr.at("Value").as_string()).find(".acm-validations.aws."), std::string::npos);
  // A wildcard is validated by its base name's record, as on AWS.
  EXPECT_EQ(options[1].at("ResourceRecord").at("Name"), rr.at("Name"));

  // The certificate itself: signed by fargo's CA, for both names.
  auto g = Call("GetCertificate", {{"CertificateArn", arn}});
  ASSERT_TRUE(g.ok());
  auto facts = acm::ReadPemCertificate(std::string(g->at("Certificate").as_string()));
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->names, (std::vector<std::string>{"app.example.com", "*.app.example.com"}));
  EXPECT_EQ(g->at("CertificateChain").as_string(), ca_->CaPem());
}

TEST_F(AcmServiceTest, RequestAnswersAtOnceAndTheCertificateIsIssuedWhenTheCaHasMadeIt) {
  defer_ = true;
  std::string arn = Request({{"DomainName", "App.example.com"}, {"ValidationMethod", "DNS"}});
  ASSERT_EQ(pending_.size(), 1u);  // the key is made elsewhere
  EXPECT_EQ(pending_[0].names, (std::vector<std::string>{"app.example.com"}));
  EXPECT_EQ(pending_[0].key_algorithm, "RSA_2048");
  json::object c = Described(arn);
  EXPECT_EQ(c.at("Status").as_string(), "PENDING_VALIDATION");
  EXPECT_EQ(c.at("KeyAlgorithm").as_string(), "RSA_2048");
  EXPECT_EQ(c.at("DomainValidationOptions").at(0).at("ValidationStatus").as_string(), "PENDING_VALIDATION");
  EXPECT_TRUE(c.at("DomainValidationOptions").at(0).as_object().contains("ResourceRecord"));
  EXPECT_FALSE(c.contains("Serial"));
  EXPECT_FALSE(c.contains("NotAfter"));
  EXPECT_FALSE(c.contains("IssuedAt"));
  EXPECT_EQ(ErrorOf(Call("GetCertificate", {{"CertificateArn", arn}})), "RequestInProgressException");

  pending_[0].done(Issue(pending_[0].names, pending_[0].key_algorithm));
  c = Described(arn);
  EXPECT_EQ(c.at("Status").as_string(), "ISSUED");
  EXPECT_EQ(c.at("DomainValidationOptions").at(0).at("ValidationStatus").as_string(), "SUCCESS");
  EXPECT_EQ(c.at("Issuer").as_string(), "Amazon");
  EXPECT_TRUE(c.contains("Serial"));
  EXPECT_TRUE(c.contains("IssuedAt"));
  EXPECT_TRUE(Call("GetCertificate", {{"CertificateArn", arn}}).ok());
  EXPECT_NE(acm_->CertificateOf(arn)->key_pem, "");
}

TEST_F(AcmServiceTest, AFailedIssuanceIsFailedAndADeletedRequestStaysDeleted) {
  defer_ = true;
  std::string failing = Request({{"DomainName", "fail.example.com"}});
  std::string deleted = Request({{"DomainName", "gone.example.com"}});
  ASSERT_EQ(pending_.size(), 2u);
  pending_[0].done(AwsError::Make("InternalError", "no key"));
  json::object c = Described(failing);
  EXPECT_EQ(c.at("Status").as_string(), "FAILED");
  EXPECT_EQ(c.at("FailureReason").as_string(), "OTHER");

  ASSERT_TRUE(Call("DeleteCertificate", {{"CertificateArn", deleted}}).ok());
  pending_[1].done(Issue(pending_[1].names, pending_[1].key_algorithm));
  EXPECT_EQ(ErrorOf(Call("DescribeCertificate", {{"CertificateArn", deleted}})), "ResourceNotFoundException");
}

TEST_F(AcmServiceTest, ARequestPendingAtARestartIsIssuedAfterIt) {
  defer_ = true;
  std::string arn = Request({{"DomainName", "restart.example.com"}, {"KeyAlgorithm", "EC_prime256v1"}});
  ASSERT_EQ(pending_.size(), 1u);
  Restart();  // the answer never came
  ASSERT_EQ(pending_.size(), 1u);  // asked again by Start
  EXPECT_EQ(pending_[0].names, (std::vector<std::string>{"restart.example.com"}));
  EXPECT_EQ(pending_[0].key_algorithm, "EC_prime256v1");
  pending_[0].done(Issue(pending_[0].names, pending_[0].key_algorithm));
  EXPECT_EQ(Described(arn).at("Status").as_string(), "ISSUED");
}

TEST_F(AcmServiceTest, EcKeysOnRequestAndRsaByDefaultInTheList) {
  std::string ec = Request({{"DomainName", "ec.example.com"}, {"KeyAlgorithm", "EC_prime256v1"}});
  std::string rsa = Request({{"DomainName", "rsa.example.com"}});
  auto list = Call("ListCertificates", {});
  ASSERT_TRUE(list.ok());
  // ACM lists RSA certificates unless asked for other key types.
  ASSERT_EQ(list->at("CertificateSummaryList").as_array().size(), 1u);
  EXPECT_EQ(list->at("CertificateSummaryList").at(0).at("CertificateArn").as_string(), rsa);
  auto all = Call("ListCertificates", {{"Includes", {{"keyTypes", json::array{"EC_prime256v1", "RSA_2048"}}}}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("CertificateSummaryList").as_array().size(), 2u);
  auto paged = Call("ListCertificates", {{"MaxItems", 1}, {"Includes", {{"keyTypes", json::array{"EC_prime256v1", "RSA_2048"}}}}});
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(paged->at("CertificateSummaryList").as_array().size(), 1u);
  EXPECT_TRUE(paged->contains("NextToken"));
  EXPECT_EQ(Call("DescribeCertificate", {{"CertificateArn", ec}})->at("Certificate").at("KeyAlgorithm").as_string(),
            "EC_prime256v1");
}

TEST_F(AcmServiceTest, ImportKeepsPemMaterialAndReadsItsFacts) {
  auto issued = ca_->IssueCertificate({"imported.example.com", "www.imported.example.com"}, "EC_prime256v1");
  ASSERT_TRUE(issued.ok());
  auto r = Call("ImportCertificate", {{"Certificate", issued->cert_pem},
                                      {"PrivateKey", issued->key_pem},
                                      {"CertificateChain", issued->chain_pem},
                                      {"Tags", json::array{json::object{{"Key", "env"}, {"Value", "dev"}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string arn(r->at("CertificateArn").as_string());
  auto d = Call("DescribeCertificate", {{"CertificateArn", arn}});
  const auto& c = d->at("Certificate").as_object();
  EXPECT_EQ(c.at("Type").as_string(), "IMPORTED");
  EXPECT_EQ(c.at("Status").as_string(), "ISSUED");
  EXPECT_EQ(c.at("DomainName").as_string(), "imported.example.com");
  EXPECT_EQ(c.at("Issuer").as_string(), "fargo");
  EXPECT_FALSE(c.contains("DomainValidationOptions"));
  EXPECT_TRUE(c.contains("ImportedAt"));
  auto tags = Call("ListTagsForCertificate", {{"CertificateArn", arn}});
  EXPECT_EQ(tags->at("Tags"), (json::array{json::object{{"Key", "env"}, {"Value", "dev"}}}));

  // A key of another certificate is refused.
  auto other = ca_->IssueCertificate({"other.example.com"}, "EC_prime256v1");
  EXPECT_EQ(ErrorOf(Call("ImportCertificate", {{"Certificate", issued->cert_pem}, {"PrivateKey", other->key_pem}})),
            "ValidationException");
  EXPECT_EQ(ErrorOf(Call("ImportCertificate", {{"Certificate", "not a pem"}, {"PrivateKey", other->key_pem}})),
            "ValidationException");
  // Re-import into the ARN keeps it and takes the new material, and the
  // load balancers serving it are told.
  int reimports = 0;
  acm_->SetReimportHook([&reimports] { ++reimports; });
  auto again = Call("ImportCertificate", {{"CertificateArn", arn}, {"Certificate", other->cert_pem}, {"PrivateKey", other->key_pem}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->at("CertificateArn").as_string(), arn);
  EXPECT_EQ(reimports, 1);
  EXPECT_EQ(Call("DescribeCertificate", {{"CertificateArn", arn}})->at("Certificate").at("DomainName").as_string(),
            "other.example.com");
}

TEST_F(AcmServiceTest, ErrorsAreAcms) {
  EXPECT_EQ(ErrorOf(Call("RequestCertificate", {{"DomainName", "nodot"}})), "ValidationException");
  EXPECT_EQ(ErrorOf(Call("RequestCertificate", {{"DomainName", "-bad.example.com"}})), "ValidationException");
  EXPECT_EQ(ErrorOf(Call("DescribeCertificate", {{"CertificateArn", "not-an-arn"}})), "InvalidArnException");
  std::string missing = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(ErrorOf(Call("DescribeCertificate", {{"CertificateArn", missing}})), "ResourceNotFoundException");
  EXPECT_EQ(ErrorOf(Call("DeleteCertificate", {{"CertificateArn", missing}})), "ResourceNotFoundException");
  std::string arn = Request({{"DomainName", "tags.example.com"}});
  EXPECT_EQ(ErrorOf(Call("AddTagsToCertificate",
                         {{"CertificateArn", arn}, {"Tags", json::array{json::object{{"Key", "aws:x"}, {"Value", "1"}}}}})),
            "InvalidTagException");
}

TEST_F(AcmServiceTest, TagsAddAndRemove) {
  std::string arn = Request({{"DomainName", "tags.example.com"}, {"Tags", json::array{json::object{{"Key", "a"}, {"Value", "1"}}}}});
  ASSERT_TRUE(Call("AddTagsToCertificate", {{"CertificateArn", arn},
                                            {"Tags", json::array{json::object{{"Key", "b"}, {"Value", "2"}},
                                                                 json::object{{"Key", "c"}, {"Value", "3"}}}}})
                  .ok());
  // A tag named with a value is removed only when the value matches.
  ASSERT_TRUE(Call("RemoveTagsFromCertificate", {{"CertificateArn", arn},
                                                 {"Tags", json::array{json::object{{"Key", "a"}},
                                                                      json::object{{"Key", "b"}, {"Value", "other"}}}}})
                  .ok());
  auto tags = Call("ListTagsForCertificate", {{"CertificateArn", arn}});
  EXPECT_EQ(tags->at("Tags"), (json::array{json::object{{"Key", "b"}, {"Value", "2"}}, json::object{{"Key", "c"}, {"Value", "3"}}}));
}

TEST_F(AcmServiceTest, CertificateInUseIsNotDeletedAndSurvivesRestart) {
  std::string arn = Request({{"DomainName", "used.example.com"}});
  in_use_ = arn;
  EXPECT_EQ(ErrorOf(Call("DeleteCertificate", {{"CertificateArn", arn}})), "ResourceInUseException");
  auto d = Call("DescribeCertificate", {{"CertificateArn", arn}});
  EXPECT_EQ(d->at("Certificate").at("InUseBy").as_array().size(), 1u);
  Restart();
  const acm::AcmCertificate* c = acm_->CertificateOf(arn);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->key_pem.empty());
  EXPECT_TRUE(acm::CheckKeyMatches(c->cert_pem, c->key_pem).ok());
  in_use_.clear();
  EXPECT_EQ(ErrorOf(Call("DeleteCertificate", {{"CertificateArn", arn}})), "ok");
  EXPECT_EQ(ErrorOf(Call("DescribeCertificate", {{"CertificateArn", arn}})), "ResourceNotFoundException");
}

TEST_F(AcmServiceTest, SameIdempotencyTokenWithinAnHourIsTheSameCertificate) {
  std::string a = Request({{"DomainName", "idem.example.com"}, {"IdempotencyToken", "tok"}});
  std::string b = Request({{"DomainName", "idem.example.com"}, {"IdempotencyToken", "tok"}});
  EXPECT_EQ(a, b);
  clock_.Advance(3600 * 1000);
  EXPECT_NE(Request({{"DomainName", "idem.example.com"}, {"IdempotencyToken", "tok"}}), a);
}

}  // namespace
}  // namespace fargo::services
