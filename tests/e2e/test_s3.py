"""S3 over the real REST-XML wire: bucket configurations and their
not-configured errors, objects (metadata, ranges, conditionals, digests),
versioning and delete markers, multipart, listings, the aws CLI's s3
commands, virtual-hosted addressing and durability across kill -9."""
import base64
import datetime
import hashlib
import http.client
import os
import tempfile
import unittest

from fargo_harness import FargoTestCase, ClientError


class S3Test(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.fargo.client("s3")

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    # ---- buckets -----------------------------------------------------------

    def test_bucket_lifecycle_and_names(self):
        b = self.bucket("life-bucket")
        self.assertIn(b, [x["Name"] for x in self.s3.list_buckets()["Buckets"]])
        head = self.s3.head_bucket(Bucket=b)
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], "us-east-1")
        self.assertIsNone(self.s3.get_bucket_location(Bucket=b)["LocationConstraint"])
        self.s3.create_bucket(Bucket=b)  # us-east-1: re-create by the owner succeeds
        self.assertAwsError("InvalidBucketName", self.s3.create_bucket, Bucket="Bad_Name", status=400)
        with self.assertRaises(ClientError) as cm:
            self.s3.head_bucket(Bucket="no-such-bucket-x")
        self.assertEqual(cm.exception.response["Error"]["Code"], "404")
        self.assertAwsError("NoSuchBucket", self.s3.delete_bucket, Bucket="no-such-bucket-x", status=404)
        self.s3.delete_bucket(Bucket=b)
        self.assertNotIn(b, [x["Name"] for x in self.s3.list_buckets()["Buckets"]])

    def test_bucket_in_other_region(self):
        s3w = self.fargo.client("s3", region="eu-west-1")
        s3w.create_bucket(Bucket="west-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(s3w.get_bucket_location(Bucket="west-bucket")["LocationConstraint"], "eu-west-1")
        self.assertAwsError("BucketAlreadyOwnedByYou", s3w.create_bucket, Bucket="west-bucket",
                            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}, status=409)

    def test_bucket_configs_not_configured(self):
        b = self.bucket("cfg-empty")
        s3 = self.s3
        for code, fn in [("NoSuchTagSet", s3.get_bucket_tagging),
                         ("NoSuchBucketPolicy", s3.get_bucket_policy),
                         ("NoSuchCORSConfiguration", s3.get_bucket_cors),
                         ("NoSuchWebsiteConfiguration", s3.get_bucket_website),
                         ("NoSuchLifecycleConfiguration", s3.get_bucket_lifecycle_configuration),
                         ("ReplicationConfigurationNotFoundError", s3.get_bucket_replication),
                         ("ObjectLockConfigurationNotFoundError", s3.get_object_lock_configuration)]:
            self.assertAwsError(code, fn, Bucket=b, status=404)
        self.assertNotIn("Status", s3.get_bucket_versioning(Bucket=b))
        enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]
        self.assertEqual(enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        self.assertNotIn("Status", s3.get_bucket_accelerate_configuration(Bucket=b))
        self.assertEqual(s3.get_bucket_request_payment(Bucket=b)["Payer"], "BucketOwner")
        self.assertNotIn("LoggingEnabled", s3.get_bucket_logging(Bucket=b))
        acl = s3.get_bucket_acl(Bucket=b)
        self.assertEqual(acl["Grants"][0]["Permission"], "FULL_CONTROL")
        self.assertEqual(acl["Grants"][0]["Grantee"]["ID"], acl["Owner"]["ID"])

    def test_bucket_configs_round_trip(self):
        b = self.bucket("cfg-set")
        s3 = self.s3
        s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}, {"Key": "a", "Value": ""}]})
        self.assertEqual(s3.get_bucket_tagging(Bucket=b)["TagSet"],
                         [{"Key": "env", "Value": "dev"}, {"Key": "a", "Value": ""}])
        s3.delete_bucket_tagging(Bucket=b)
        self.assertAwsError("NoSuchTagSet", s3.get_bucket_tagging, Bucket=b)
        policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg-set/*"}]}'
        s3.put_bucket_policy(Bucket=b, Policy=policy)
        self.assertEqual(s3.get_bucket_policy(Bucket=b)["Policy"], policy)
        self.assertAwsError("MalformedPolicy", s3.put_bucket_policy, Bucket=b, Policy="nope")
        s3.delete_bucket_policy(Bucket=b)
        self.assertAwsError("NoSuchBucketPolicy", s3.get_bucket_policy, Bucket=b)
        cors = {"CORSRules": [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 300}]}
        s3.put_bucket_cors(Bucket=b, CORSConfiguration=cors)
        got = s3.get_bucket_cors(Bucket=b)["CORSRules"]
        self.assertEqual(got[0]["AllowedMethods"], ["GET", "PUT"])
        self.assertEqual(got[0]["MaxAgeSeconds"], 300)
        s3.delete_bucket_cors(Bucket=b)
        self.assertAwsError("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket=b)
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
            {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]})
        rule = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"][0]
        self.assertEqual((rule["ID"], rule["Expiration"]["Days"], rule["Filter"]["Prefix"]), ("expire", 7, "tmp/"))
        s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
        self.assertEqual(s3.get_bucket_website(Bucket=b)["IndexDocument"]["Suffix"], "index.html")
        s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"},
             "BucketKeyEnabled": True}]})
        rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"], "k1")
        self.assertTrue(rule["BucketKeyEnabled"])
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(s3.get_bucket_versioning(Bucket=b)["Status"], "Suspended")

    # ---- objects -----------------------------------------------------------

    def test_object_crud_metadata_and_ranges(self):
        b = self.bucket("obj-crud")
        s3 = self.s3
        body = b"0123456789abcdef"
        put = s3.put_object(Bucket=b, Key="dir/sub/file name+1.txt", Body=body, ContentType="text/plain",
                            CacheControl="max-age=60", ContentDisposition="inline", Metadata={"Owner": "me"},
                            Tagging="a=1&b=2")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        self.assertNotIn("VersionId", put)
        got = s3.get_object(Bucket=b, Key="dir/sub/file name+1.txt")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual((got["ContentType"], got["CacheControl"], got["ContentDisposition"]),
                         ("text/plain", "max-age=60", "inline"))
        self.assertEqual(got["Metadata"], {"owner": "me"})
        self.assertEqual(got["TagCount"], 2)
        head = s3.head_object(Bucket=b, Key="dir/sub/file name+1.txt")
        self.assertEqual(head["ContentLength"], len(body))
        r = s3.get_object(Bucket=b, Key="dir/sub/file name+1.txt", Range="bytes=2-5")
        self.assertEqual((r["Body"].read(), r["ContentRange"], r["ResponseMetadata"]["HTTPStatusCode"]),
                         (b"2345", "bytes 2-5/16", 206))
        self.assertEqual(s3.get_object(Bucket=b, Key="dir/sub/file name+1.txt", Range="bytes=-3")["Body"].read(), b"def")
        self.assertEqual(s3.get_object(Bucket=b, Key="dir/sub/file name+1.txt", Range="bytes=10-")["Body"].read(), b"abcdef")
        self.assertAwsError("InvalidRange", s3.get_object, Bucket=b, Key="dir/sub/file name+1.txt",
                            Range="bytes=100-200", status=416)
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="dir/sub/file name+1.txt")["TagSet"],
                         [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        s3.put_object_tagging(Bucket=b, Key="dir/sub/file name+1.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.assertEqual(s3.get_object_tagging(Bucket=b, Key="dir/sub/file name+1.txt")["TagSet"],
                         [{"Key": "k", "Value": "v"}])
        self.assertAwsError("NoSuchKey", s3.get_object, Bucket=b, Key="missing", status=404)
        with self.assertRaises(ClientError) as cm:
            s3.head_object(Bucket=b, Key="missing")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        s3.delete_object(Bucket=b, Key="dir/sub/file name+1.txt")
        self.assertAwsError("NoSuchKey", s3.get_object, Bucket=b, Key="dir/sub/file name+1.txt")
        s3.put_object(Bucket=b, Key="empty", Body=b"")
        self.assertEqual(s3.get_object(Bucket=b, Key="empty")["Body"].read(), b"")

    def test_conditionals(self):
        b = self.bucket("obj-cond")
        s3 = self.s3
        etag = s3.put_object(Bucket=b, Key="k", Body=b"data")["ETag"]
        self.assertEqual(s3.get_object(Bucket=b, Key="k", IfMatch=etag)["Body"].read(), b"data")
        self.assertAwsError("PreconditionFailed", s3.get_object, Bucket=b, Key="k", IfMatch='"nope"', status=412)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=b, Key="k", IfNoneMatch=etag)
        self.assertEqual(cm.exception.response["Error"]["Code"], "304")
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=b, Key="k", IfModifiedSince=future)
        self.assertEqual(cm.exception.response["Error"]["Code"], "304")
        self.assertEqual(s3.get_object(Bucket=b, Key="k", IfModifiedSince=past)["Body"].read(), b"data")
        self.assertAwsError("PreconditionFailed", s3.get_object, Bucket=b, Key="k", IfUnmodifiedSince=past)

    def test_digests(self):
        b = self.bucket("obj-digest")
        s3 = self.s3
        good = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
        s3.put_object(Bucket=b, Key="ok", Body=b"abc", ContentMD5=good)
        wrong = base64.b64encode(hashlib.md5(b"xyz").digest()).decode()
        self.assertAwsError("BadDigest", s3.put_object, Bucket=b, Key="bad", Body=b"abc", ContentMD5=wrong, status=400)
        self.assertAwsError("InvalidDigest", s3.put_object, Bucket=b, Key="bad", Body=b"abc", ContentMD5="zz", status=400)
        self.assertAwsError("NoSuchKey", s3.get_object, Bucket=b, Key="bad")
        r = s3.put_object(Bucket=b, Key="crc", Body=b"hello", ChecksumAlgorithm="CRC32")
        self.assertEqual(r["ChecksumCRC32"], "NhCmhg==")
        h = s3.head_object(Bucket=b, Key="crc", ChecksumMode="ENABLED")
        self.assertEqual(h["ChecksumCRC32"], "NhCmhg==")

    def test_copy_object(self):
        b = self.bucket("obj-copy")
        s3 = self.s3
        s3.put_object(Bucket=b, Key="src", Body=b"payload", Metadata={"m": "1"}, ContentType="text/x")
        r = s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"payload").hexdigest())
        got = s3.get_object(Bucket=b, Key="dst")
        self.assertEqual((got["Body"].read(), got["Metadata"], got["ContentType"]), (b"payload", {"m": "1"}, "text/x"))
        s3.copy_object(Bucket=b, Key="dst2", CopySource=f"{b}/src", MetadataDirective="REPLACE",
                       Metadata={"n": "2"}, ContentType="text/y")
        got = s3.head_object(Bucket=b, Key="dst2")
        self.assertEqual((got["Metadata"], got["ContentType"]), ({"n": "2"}, "text/y"))
        self.assertAwsError("InvalidRequest", s3.copy_object, Bucket=b, Key="src", CopySource=f"{b}/src")
        self.assertAwsError("NoSuchKey", s3.copy_object, Bucket=b, Key="x", CopySource=f"{b}/nothing")
        # Deleting the source leaves the copy intact.
        s3.delete_object(Bucket=b, Key="src")
        self.assertEqual(s3.get_object(Bucket=b, Key="dst")["Body"].read(), b"payload")

    def test_delete_objects(self):
        b = self.bucket("obj-batch")
        s3 = self.s3
        for k in ("a", "b", "c"):
            s3.put_object(Bucket=b, Key=k, Body=k.encode())
        r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zzz"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["a", "b", "zzz"])
        r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertEqual(s3.list_objects_v2(Bucket=b)["KeyCount"], 0)

    # ---- versioning --------------------------------------------------------

    def test_versioning_and_delete_markers(self):
        b = self.bucket("ver-bucket")
        s3 = self.s3
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
        v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        self.assertEqual(s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read(), b"one")
        d = s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(d["DeleteMarker"])
        marker = d["VersionId"]
        self.assertAwsError("NoSuchKey", s3.get_object, Bucket=b, Key="k", status=404)
        self.assertAwsError("NoSuchVersion", s3.get_object, Bucket=b, Key="k", VersionId="nonexistent", status=404)
        self.assertEqual(s3.list_objects_v2(Bucket=b)["KeyCount"], 0)
        lv = s3.list_object_versions(Bucket=b)
        self.assertEqual([v["VersionId"] for v in lv["Versions"]], [v2, v1])
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in lv["DeleteMarkers"]], [(marker, True)])
        self.assertEqual([v["IsLatest"] for v in lv["Versions"]], [False, False])
        self.assertAwsError("BucketNotEmpty", s3.delete_bucket, Bucket=b, status=409)
        # Removing the marker brings the object back.
        r = s3.delete_object(Bucket=b, Key="k", VersionId=marker)
        self.assertTrue(r["DeleteMarker"])
        self.assertEqual(s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        # Paging through versions one at a time.
        seen, kw = [], {}
        while True:
            page = s3.list_object_versions(Bucket=b, MaxKeys=1, **kw)
            seen += [v["VersionId"] for v in page.get("Versions", [])]
            if not page["IsTruncated"]:
                break
            kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
        self.assertEqual(seen, [v2, v1])
        for v in (v1, v2):
            s3.delete_object(Bucket=b, Key="k", VersionId=v)
        s3.delete_bucket(Bucket=b)

    # ---- multipart ---------------------------------------------------------

    def test_multipart(self):
        b = self.bucket("mp-bucket")
        s3 = self.s3
        up = s3.create_multipart_upload(Bucket=b, Key="big", ContentType="app/x", Metadata={"m": "v"})["UploadId"]
        p1 = os.urandom(5 * 1024 * 1024)
        p2 = b"tail"
        e1 = s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=1, Body=p1)["ETag"]
        e2 = s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=2, Body=p2)["ETag"]
        self.assertEqual([u["UploadId"] for u in s3.list_multipart_uploads(Bucket=b)["Uploads"]], [up])
        parts = s3.list_parts(Bucket=b, Key="big", UploadId=up)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, len(p1)), (2, 4)])
        self.assertAwsError("InvalidPartOrder", s3.complete_multipart_upload, Bucket=b, Key="big", UploadId=up,
                            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
        self.assertAwsError("InvalidPart", s3.complete_multipart_upload, Bucket=b, Key="big", UploadId=up,
                            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00"'}]})
        r = s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        md5s = hashlib.md5(p1).digest() + hashlib.md5(p2).digest()
        self.assertEqual(r["ETag"], '"%s-2"' % hashlib.md5(md5s).hexdigest())
        got = s3.get_object(Bucket=b, Key="big")
        self.assertEqual(got["Body"].read(), p1 + p2)
        self.assertEqual((got["ContentType"], got["Metadata"]), ("app/x", {"m": "v"}))
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket=b))
        self.assertAwsError("NoSuchUpload", s3.upload_part, Bucket=b, Key="big", UploadId=up, PartNumber=1, Body=b"x")
        up2 = s3.create_multipart_upload(Bucket=b, Key="small")["UploadId"]
        e = s3.upload_part(Bucket=b, Key="small", UploadId=up2, PartNumber=1, Body=b"x")["ETag"]
        s3.upload_part(Bucket=b, Key="small", UploadId=up2, PartNumber=2, Body=b"y")
        self.assertAwsError("EntityTooSmall", s3.complete_multipart_upload, Bucket=b, Key="small", UploadId=up2,
                            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}, {"PartNumber": 2, "ETag": e}]})
        s3.abort_multipart_upload(Bucket=b, Key="small", UploadId=up2)
        self.assertAwsError("NoSuchUpload", s3.list_parts, Bucket=b, Key="small", UploadId=up2, status=404)

    # ---- listings ----------------------------------------------------------

    def test_listing_v1_v2(self):
        b = self.bucket("list-bucket")
        s3 = self.s3
        keys = ["a.txt", "dir/1", "dir/2", "dir/sub/3", "e/x", "sp ace/+plus", "z"]
        for k in keys:
            s3.put_object(Bucket=b, Key=k, Body=b"x")
        r = s3.list_objects_v2(Bucket=b, Delimiter="/")
        self.assertEqual([c["Key"] for c in r["Contents"]], ["a.txt", "z"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["dir/", "e/", "sp ace/"])
        self.assertEqual(r["KeyCount"], 5)
        r = s3.list_objects_v2(Bucket=b, Prefix="dir/", Delimiter="/")
        self.assertEqual([c["Key"] for c in r["Contents"]], ["dir/1", "dir/2"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["dir/sub/"])
        # v2 pagination without a delimiter visits every key once.
        seen, kw = [], {}
        while True:
            page = s3.list_objects_v2(Bucket=b, MaxKeys=2, **kw)
            seen += [c["Key"] for c in page.get("Contents", [])]
            if not page["IsTruncated"]:
                break
            kw = {"ContinuationToken": page["NextContinuationToken"]}
        self.assertEqual(seen, keys)
        self.assertEqual([c["Key"] for c in s3.list_objects_v2(Bucket=b, StartAfter="e/x")["Contents"]],
                         ["sp ace/+plus", "z"])
        # v1 with marker and delimiter.
        r = s3.list_objects(Bucket=b, Delimiter="/", MaxKeys=2)
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextMarker"], "dir/")
        r = s3.list_objects(Bucket=b, Delimiter="/", Marker="dir/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["e/", "sp ace/"])
        self.assertEqual([c["Key"] for c in r["Contents"]], ["z"])
        # Paginators across both versions.
        for op in ("list_objects", "list_objects_v2"):
            got = []
            for page in s3.get_paginator(op).paginate(Bucket=b, PaginationConfig={"PageSize": 3}):
                got += [c["Key"] for c in page.get("Contents", [])]
            self.assertEqual(got, keys, op)
        self.assertAwsError("NoSuchBucket", s3.list_objects_v2, Bucket="nope-nope")

    # ---- the aws CLI -------------------------------------------------------

    def test_cli_sync_both_ways(self):
        src = tempfile.mkdtemp()
        files = {"top.txt": b"top", "d1/a.bin": os.urandom(3000), "d1/d2/b.txt": b"deep", "d3/c with space.txt": b"c"}
        for rel, data in files.items():
            p = os.path.join(src, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        self.fargo.aws("s3", "mb", "s3://cli-sync")
        self.fargo.aws("s3", "sync", src, "s3://cli-sync/pre")
        listing = self.fargo.aws("s3", "ls", "--recursive", "s3://cli-sync")
        for rel in files:
            self.assertIn("pre/" + rel, listing)
        dst = tempfile.mkdtemp()
        self.fargo.aws("s3", "sync", "s3://cli-sync/pre", dst)
        for rel, data in files.items():
            with open(os.path.join(dst, rel), "rb") as f:
                self.assertEqual(f.read(), data, rel)
        dst2 = tempfile.mkdtemp()
        self.fargo.aws("s3", "cp", "--recursive", "s3://cli-sync/pre/d1", dst2)
        with open(os.path.join(dst2, "d2", "b.txt"), "rb") as f:
            self.assertEqual(f.read(), b"deep")
        # A second sync uploads nothing new.
        out = self.fargo.aws("s3", "sync", src, "s3://cli-sync/pre")
        self.assertNotIn("upload:", out if isinstance(out, str) else "")
        self.fargo.aws("s3", "rb", "--force", "s3://cli-sync")
        self.assertNotIn("cli-sync", [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    def test_cli_multipart_upload(self):
        self.fargo.aws("s3", "mb", "s3://cli-big")
        d = tempfile.mkdtemp()
        data = os.urandom(9 * 1024 * 1024)
        with open(os.path.join(d, "big.bin"), "wb") as f:
            f.write(data)
        self.fargo.aws("s3", "cp", os.path.join(d, "big.bin"), "s3://cli-big/big.bin")
        head = self.s3.head_object(Bucket="cli-big", Key="big.bin")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertTrue(head["ETag"].endswith('-2"'))
        self.fargo.aws("s3", "cp", "s3://cli-big/big.bin", os.path.join(d, "back.bin"))
        with open(os.path.join(d, "back.bin"), "rb") as f:
            self.assertEqual(f.read(), data)

    # ---- addressing and durability -----------------------------------------

    def test_virtual_hosted_addressing(self):
        b = self.bucket("vhost-bucket")
        self.s3.put_object(Bucket=b, Key="path/to/obj.txt", Body=b"via vhost")
        conn = http.client.HTTPConnection("127.0.0.1", self.fargo.port, timeout=5)
        for host in (f"{b}.s3.amazonaws.com", f"{b}.s3.us-east-1.amazonaws.com", f"{b}.localhost:{self.fargo.port}",
                     f"{b}.s3.localhost.localstack.cloud:{self.fargo.port}"):
            conn.request("GET", "/path/to/obj.txt", headers={"Host": host})
            r = conn.getresponse()
            self.assertEqual((r.status, r.read()), (200, b"via vhost"), host)
        conn.request("PUT", "/new%20key.txt", body=b"put via vhost", headers={"Host": f"{b}.s3.amazonaws.com"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="new key.txt")["Body"].read(), b"put via vhost")
        conn.request("GET", "/?list-type=2", headers={"Host": f"{b}.s3.amazonaws.com"})
        r = conn.getresponse()
        body = r.read().decode()
        self.assertIn("<Key>path/to/obj.txt</Key>", body)

    def test_aws_chunked_upload(self):
        b = self.bucket("chunked-bucket")
        payload = b"hello chunked world"
        framed = (b"%x;chunk-signature=%s\r\n" % (5, b"0" * 64) + payload[:5] + b"\r\n" +
                  b"%x;chunk-signature=%s\r\n" % (len(payload) - 5, b"0" * 64) + payload[5:] + b"\r\n" +
                  b"0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n")
        conn = http.client.HTTPConnection("127.0.0.1", self.fargo.port, timeout=5)
        conn.request("PUT", f"/{b}/chunked", body=framed, headers={
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload))})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        got = self.s3.get_object(Bucket=b, Key="chunked")
        self.assertEqual(got["Body"].read(), payload)
        self.assertNotIn("ContentEncoding", got)

    def test_zz_durability_after_kill9(self):
        b = self.bucket("durable-bucket")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        data = os.urandom(100000)
        vid = self.s3.put_object(Bucket=b, Key="obj", Body=data, Metadata={"a": "b"})["VersionId"]
        self.fargo.restart_after_kill9()
        s3 = self.fargo.client("s3")
        got = s3.get_object(Bucket=b, Key="obj")
        self.assertEqual((got["Body"].read(), got["VersionId"], got["Metadata"]), (data, vid, {"a": "b"}))
        self.assertEqual(s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        self.assertEqual(s3.get_bucket_tagging(Bucket=b)["TagSet"], [{"Key": "k", "Value": "v"}])
        type(self).s3 = s3


if __name__ == "__main__":
    unittest.main()
