#include "server/tls/tls_authority.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fargo::server::tls {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/fargo-tls-XXXXXX";
  return ::mkdtemp(tmpl);
}

X509* ParseCert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return c;
}

// Whether `leaf_pem` chains to `ca_pem` and is valid for host `name`.
bool Verifies(const std::string& ca_pem, const std::string& leaf_pem, const std::string& name) {
  X509* ca = ParseCert(ca_pem);
  X509* leaf = ParseCert(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return ok;
}

TEST(TlsAuthorityTest, CaIsMadeOnceWithAPrivateKeyAndKeptAcrossStarts) {
  std::string dir = TempDir() + "/tls";
  auto first = TlsAuthority::LoadOrCreate(dir, "abc123");
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  X509* ca = ParseCert((*first)->CaPem());
  ASSERT_NE(ca, nullptr);
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_commonName, cn, sizeof cn);
  EXPECT_EQ(std::string(cn), "fargo local CA abc123");
  // About ten years.
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca), X509_get0_notAfter(ca)), 1);
  EXPECT_GE(days, 3649);
  X509_free(ca);

  auto second = TlsAuthority::LoadOrCreate(dir, "abc123");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->CaPem(), (*first)->CaPem());
  // A leaf issued by the second start verifies against the first's CA.
  auto leaf = (*second)->LeafFor("s3.amazonaws.com");
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(Verifies((*first)->CaPem(), leaf->cert_pem, "s3.amazonaws.com"));
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(TlsAuthorityTest, TornFilesAreMadeAgain) {
  std::string dir = TempDir() + "/tls";
  auto first = TlsAuthority::LoadOrCreate(dir, "x");
  ASSERT_TRUE(first.ok());
  std::ofstream(dir + "/ca.pem", std::ios::trunc) << "-----BEGIN CERT";  // a write cut short
  auto second = TlsAuthority::LoadOrCreate(dir, "x");
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*second)->CaPem(), (*first)->CaPem());
  auto third = TlsAuthority::LoadOrCreate(dir, "x");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)->CaPem(), (*second)->CaPem());
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(TlsAuthorityTest, LeafIsValidForItsNameOnly) {
  std::string dir = TempDir();
  auto a = TlsAuthority::LoadOrCreate(dir, "i");
  ASSERT_TRUE(a.ok());
  auto leaf = (*a)->LeafFor("my-bucket.s3.us-east-1.amazonaws.com");
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(Verifies((*a)->CaPem(), leaf->cert_pem, "my-bucket.s3.us-east-1.amazonaws.com"));
  EXPECT_FALSE(Verifies((*a)->CaPem(), leaf->cert_pem, "other.s3.us-east-1.amazonaws.com"));
  EXPECT_FALSE(Verifies((*a)->CaPem(), leaf->cert_pem, "sts.amazonaws.com"));
  // Cached: the same certificate for the same name.
  EXPECT_EQ((*a)->LeafFor("my-bucket.s3.us-east-1.amazonaws.com")->cert_pem, leaf->cert_pem);
  // Another CA does not vouch for it.
  std::string other_dir = TempDir();
  auto other = TlsAuthority::LoadOrCreate(other_dir, "i");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Verifies((*other)->CaPem(), leaf->cert_pem, "my-bucket.s3.us-east-1.amazonaws.com"));
  // Not a DNS name: refused.
  EXPECT_FALSE((*a)->LeafFor("bad name").ok());
  EXPECT_FALSE((*a)->LeafFor("").ok());
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other_dir);
}

TEST(TlsAuthorityTest, BundleHoldsTheHostRootsThenTheCa) {
  std::string dir = TempDir();
  auto a = TlsAuthority::LoadOrCreate(dir, "i");
  ASSERT_TRUE(a.ok());
  std::ofstream(dir + "/roots.pem") << "ROOTS";
  ASSERT_TRUE((*a)->WriteBundle(dir + "/bundle.pem", dir + "/roots.pem").ok());
  std::ifstream f(dir + "/bundle.pem");
  std::string all((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(all.rfind("ROOTS\n", 0), 0u);
  EXPECT_NE(all.find((*a)->CaPem()), std::string::npos);
  ASSERT_TRUE((*a)->WriteBundle(dir + "/bundle2.pem", dir + "/missing.pem").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fargo::server::tls
