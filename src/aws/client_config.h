// Configuration shared by every AWS protocol client (EC2, SQS, DynamoDB, AutoScaling): where to
// send requests, which region and credentials to sign with, and how many attempts to make.
#pragma once

#include <memory>
#include <string>

#include "aws/sigv4.h"

namespace ebbflow::aws {

class CredentialsProvider;  // aws/credentials.h

struct ClientConfig {
  std::string endpoint;  // "http://127.0.0.1:4566" or "" for https://<service>.<region>.amazonaws.com
  std::string region = "us-east-1";
  Credentials credentials;
  // When set, asked before every attempt (it caches and refreshes) and `credentials` is unused:
  // the chain of environment, shared files and IMDS role credentials (aws/credentials.h).
  std::shared_ptr<CredentialsProvider> credentials_provider;
  // Standard retry mode: total attempts for transport failures, 5xx and throttling. Capacity
  // errors (kBackOff but not throttling, e.g. InsufficientInstanceCapacity) are not retried here.
  int max_attempts = 3;
};

}  // namespace ebbflow::aws
