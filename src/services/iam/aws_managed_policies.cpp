#include "services/iam/aws_managed_policies.h"

#include <algorithm>

#include "common/strings.h"

namespace fargo::services::iam {

namespace {

// A document allowing `actions` (a JSON array body) on every resource.
std::string AllowAll(std::string_view actions) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)" + std::string(actions) +
         R"(],"Resource":"*"}]})";
}

// A stable pseudo-random id derived from the name (FNV-1a), so ids survive
// restarts without being stored.
std::string StableId(std::string_view name) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint64_t h = Fnv1a(name, 1469598103934665603ull);
  std::string id = "ANPA";
  for (int i = 0; i < 17; ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    id.push_back(kAlphabet[(h >> 59) & 31]);
  }
  return id;
}

std::vector<AwsManagedPolicy> Build() {
  struct Row {
    const char* name;
    const char* path;
    const char* actions;
    const char* description;
  };
  static const Row kRows[] = {
      {"AdministratorAccess", "/", R"("*")", "Provides full access to AWS services and resources."},
      {"PowerUserAccess", "/", R"("*")",
       "Provides full access to AWS services and resources, but does not allow management of Users and groups."},
      {"ReadOnlyAccess", "/", R"("*:Describe*","*:Get*","*:List*")",
       "Provides read-only access to AWS services and resources."},
      {"IAMFullAccess", "/", R"("iam:*","organizations:DescribeAccount")", "Provides full access to IAM via the AWS Management Console."},
      {"IAMReadOnlyAccess", "/", R"("iam:GenerateCredentialReport","iam:Get*","iam:List*")",
       "Provides read only access to IAM via the AWS Management Console."},
      {"AmazonS3FullAccess", "/", R"("s3:*","s3-object-lambda:*")",
       "Provides full access to all buckets via the AWS Management Console."},
      {"AmazonS3ReadOnlyAccess", "/", R"("s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*")",
       "Provides read only access to all buckets via the AWS Management Console."},
      {"AmazonEC2FullAccess", "/", R"("ec2:*","elasticloadbalancing:*","cloudwatch:*","autoscaling:*")",
       "Provides full access to Amazon EC2 via the AWS Management Console."},
      {"AmazonEC2ReadOnlyAccess", "/", R"("ec2:Describe*","elasticloadbalancing:Describe*","cloudwatch:ListMetrics","cloudwatch:GetMetricStatistics","cloudwatch:Describe*","autoscaling:Describe*")",
       "Provides read only access to Amazon EC2 via the AWS Management Console."},
      {"AmazonVPCFullAccess", "/", R"("ec2:*")", "Provides full access to Amazon VPC via the AWS Management Console."},
      {"AmazonSSMManagedInstanceCore", "/", R"("ssm:DescribeAssociation","ssm:GetDeployablePatchSnapshotForInstance","ssm:GetDocument","ssm:DescribeDocument","ssm:GetManifest","ssm:GetParameter","ssm:GetParameters","ssm:ListAssociations","ssm:ListInstanceAssociations","ssm:PutInventory","ssm:PutComplianceItems","ssm:PutConfigurePackageResult","ssm:UpdateAssociationStatus","ssm:UpdateInstanceAssociationStatus","ssm:UpdateInstanceInformation","ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel","ec2messages:AcknowledgeMessage","ec2messages:DeleteMessage","ec2messages:FailMessage","ec2messages:GetEndpoint","ec2messages:GetMessages","ec2messages:SendReply")",
       "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality."},
      {"AmazonSSMFullAccess", "/", R"("ssm:*","ec2:DescribeInstances","iam:ListRoles")",
       "Provides full access to Amazon SSM."},
      {"AmazonSSMReadOnlyAccess", "/", R"("ssm:Describe*","ssm:Get*","ssm:List*")",
       "Provides read only access to Amazon SSM."},
      {"CloudWatchLogsFullAccess", "/", R"("logs:*","cloudwatch:GenerateQuery")",
       "Provides full access to CloudWatch Logs"},
      {"CloudWatchLogsReadOnlyAccess", "/", R"("logs:Describe*","logs:Get*","logs:List*","logs:StartQuery","logs:StopQuery","logs:TestMetricFilter","logs:FilterLogEvents")",
       "Provides read only access to CloudWatch Logs"},
      {"CloudWatchFullAccess", "/", R"("autoscaling:Describe*","cloudwatch:*","logs:*","sns:*")",
       "Provides full access to CloudWatch."},
      {"CloudWatchAgentServerPolicy", "/", R"("cloudwatch:PutMetricData","ec2:DescribeVolumes","ec2:DescribeTags","logs:PutLogEvents","logs:DescribeLogStreams","logs:DescribeLogGroups","logs:CreateLogStream","logs:CreateLogGroup")",
       "Permissions required to use AmazonCloudWatchAgent on servers"},
      {"AmazonDynamoDBFullAccess", "/", R"("dynamodb:*")", "Provides full access to Amazon DynamoDB via the AWS Management Console."},
      {"AmazonDynamoDBReadOnlyAccess", "/", R"("dynamodb:BatchGetItem","dynamodb:Describe*","dynamodb:List*","dynamodb:GetItem","dynamodb:Query","dynamodb:Scan")",
       "Provides read only access to Amazon DynamoDB via the AWS Management Console."},
      {"AmazonSQSFullAccess", "/", R"("sqs:*")", "Provides full access to Amazon SQS via the AWS Management Console."},
      {"AmazonSNSFullAccess", "/", R"("sns:*")", "Provides full access to Amazon SNS via the AWS Management Console."},
      {"AmazonRDSFullAccess", "/", R"("rds:*")", "Provides full access to Amazon RDS via the AWS Management Console."},
      {"AmazonKinesisFullAccess", "/", R"("kinesis:*")", "Provides full access to all streams via the AWS Management Console."},
      {"SecretsManagerReadWrite", "/", R"("secretsmanager:*")", "Provides read/write access to AWS Secrets Manager via the AWS Management Console."},
      {"AWSXrayWriteOnlyAccess", "/", R"("xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries")",
       "AWS X-Ray write only managed policy"},
      {"AWSLambda_FullAccess", "/", R"("lambda:*","logs:DescribeLogGroups","iam:ListRoles")",
       "Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services."},
      {"AmazonEC2ContainerRegistryReadOnly", "/", R"("ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy","ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage")",
       "Provides read-only access to Amazon EC2 Container Registry repositories."},
      {"AmazonEC2ContainerRegistryFullAccess", "/", R"("ecr:*")", "Provides administrative access to Amazon ECR resources"},
      {"AmazonECS_FullAccess", "/", R"("ecs:*","elasticloadbalancing:*","logs:*")", "Provides administrative access to Amazon ECS resources."},
      {"AmazonEKSClusterPolicy", "/", R"("autoscaling:DescribeAutoScalingGroups","ec2:Describe*","elasticloadbalancing:*","kms:DescribeKey")",
       "This policy provides Kubernetes the permissions it requires to manage resources on your behalf."},
      {"AmazonEKSWorkerNodePolicy", "/", R"("ec2:DescribeInstances","ec2:DescribeRouteTables","ec2:DescribeSecurityGroups","ec2:DescribeSubnets","ec2:DescribeVolumes","ec2:DescribeVpcs","eks:DescribeCluster")",
       "This policy allows Amazon EKS worker nodes to connect to Amazon EKS Clusters."},
      {"AmazonEKS_CNI_Policy", "/", R"("ec2:AssignPrivateIpAddresses","ec2:AttachNetworkInterface","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:DescribeInstances","ec2:DescribeNetworkInterfaces","ec2:DetachNetworkInterface","ec2:ModifyNetworkInterfaceAttribute","ec2:UnassignPrivateIpAddresses")",
       "This policy provides the Amazon VPC CNI Plugin the permissions it requires to modify the IP address configuration on your EKS worker nodes."},
      {"AWSLambdaBasicExecutionRole", "/service-role/", R"("logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents")",
       "Provides write permissions to CloudWatch Logs."},
      {"AWSLambdaVPCAccessExecutionRole", "/service-role/", R"("logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents","ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","ec2:DeleteNetworkInterface","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses")",
       "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC"},
      {"AWSLambdaSQSQueueExecutionRole", "/service-role/", R"("sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents")",
       "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs."},
      {"AWSLambdaDynamoDBExecutionRole", "/service-role/", R"("dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents")",
       "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs."},
      {"AmazonECSTaskExecutionRolePolicy", "/service-role/", R"("ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents")",
       "Provides access to other AWS service resources that are required to run Amazon ECS tasks"},
      {"AmazonEC2ContainerServiceforEC2Role", "/service-role/", R"("ec2:DescribeTags","ecs:CreateCluster","ecs:DeregisterContainerInstance","ecs:DiscoverPollEndpoint","ecs:Poll","ecs:RegisterContainerInstance","ecs:StartTelemetrySession","ecs:UpdateContainerInstancesState","ecs:Submit*","ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents")",
       "Default policy for the Amazon EC2 Role for Amazon EC2 Container Service."},
      {"AmazonEC2RoleforSSM", "/service-role/", R"("ssm:*","ec2messages:*","cloudwatch:PutMetricData","ds:CreateComputer","ds:DescribeDirectories","logs:*","s3:GetObject","s3:PutObject","s3:ListBucket")",
       "This policy will soon be deprecated. Please use AmazonSSMManagedInstanceCore policy to enable AWS Systems Manager service core functionality on EC2 instances."},
      {"AWSGlueServiceRole", "/service-role/", R"("glue:*","s3:GetBucketLocation","s3:ListBucket","s3:ListAllMyBuckets","s3:GetBucketAcl","ec2:Describe*","iam:ListRolePolicies","iam:GetRole","iam:GetRolePolicy","cloudwatch:PutMetricData")",
       "Policy for AWS Glue service role which allows access to related services including EC2, S3, and Cloudwatch Logs"},
      {"AmazonAPIGatewayPushToCloudWatchLogs", "/service-role/", R"("logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogGroups","logs:DescribeLogStreams","logs:PutLogEvents","logs:GetLogEvents","logs:FilterLogEvents")",
       "Allows API Gateway to push logs to user's account."},
  };
  std::vector<AwsManagedPolicy> out;
  for (const auto& r : kRows) {
    AwsManagedPolicy p;
    p.name = r.name;
    p.path = r.path;
    p.id = StableId(r.name);
    p.document = AllowAll(r.actions);
    p.description = r.description;
    p.create_date = 1423000000;  // 2015-02-03, when IAM managed policies launched
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const AwsManagedPolicy& a, const AwsManagedPolicy& b) { return a.Arn() < b.Arn(); });
  return out;
}

}  // namespace

const std::vector<AwsManagedPolicy>& AwsManagedPolicies() {
  static const std::vector<AwsManagedPolicy> policies = Build();
  return policies;
}

const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn) {
  for (const auto& p : AwsManagedPolicies())
    if (p.Arn() == arn) return &p;
  return nullptr;
}

}  // namespace fargo::services::iam
