// The DynamoDB port: the subset of DynamoDB (AWS JSON 1.0, target prefix
// "DynamoDB_20120810", SigV4 service "dynamodb") that traditional mode uses: the instance-id
// -> hostname table sqswatcher keeps.
//
// Items are string attributes only (type "S"): that is all ebbflow stores. An attribute of
// another type in a reply is read as its JSON text and never written back.
// Error mapping: ResourceNotFoundException -> kNotFound; ConditionalCheckFailedException and
// ResourceInUseException -> kGiveUp (callers check the code); ProvisionedThroughputExceededException / ThrottlingException -> kBackOff;
// ValidationException -> kInvalidInput; 5xx -> kRetry; no response -> kUnavailable.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/client_config.h"
#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

using DynamoItem = std::map<std::string, std::string>;  // attribute name -> S value

class DynamoDbApi {
 public:
  virtual ~DynamoDbApi() = default;
  // A table with one string hash key, billing mode PAY_PER_REQUEST. kGiveUp with code
  // ResourceInUseException when it exists.
  virtual Status create_table(const std::string& table, const std::string& hash_key) = 0;
  virtual Status put_item(const std::string& table, const DynamoItem& item) = 0;
  // nullopt when there is no such item.
  virtual Result<std::optional<DynamoItem>> get_item(const std::string& table, const std::string& key_name,
                                                     const std::string& key_value, bool consistent_read = true) = 0;
  virtual Status delete_item(const std::string& table, const std::string& key_name, const std::string& key_value) = 0;
  // KeyConditionExpression "#k = :v" on the hash key; follows LastEvaluatedKey.
  virtual Result<std::vector<DynamoItem>> query(const std::string& table, const std::string& key_name,
                                                const std::string& key_value) = 0;
  // Up to 100 keys per call (the client splits longer lists and re-asks UnprocessedKeys).
  virtual Result<std::vector<DynamoItem>> batch_get_item(const std::string& table, const std::string& key_name,
                                                         const std::vector<std::string>& key_values) = 0;
};

class DynamoDbClient : public DynamoDbApi {
 public:
  DynamoDbClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks = {});
  ~DynamoDbClient() override;
  Status create_table(const std::string& table, const std::string& hash_key) override;
  Status put_item(const std::string& table, const DynamoItem& item) override;
  Result<std::optional<DynamoItem>> get_item(const std::string& table, const std::string& key_name,
                                             const std::string& key_value, bool consistent_read = true) override;
  Status delete_item(const std::string& table, const std::string& key_name, const std::string& key_value) override;
  Result<std::vector<DynamoItem>> query(const std::string& table, const std::string& key_name,
                                        const std::string& key_value) override;
  Result<std::vector<DynamoItem>> batch_get_item(const std::string& table, const std::string& key_name,
                                                 const std::vector<std::string>& key_values) override;

 private:
  std::unique_ptr<AwsClient> client_;
};

// Parses the "Item"/"Items" JSON of GetItem/Query/BatchGetItem replies, exposed for fuzzing.
Result<std::optional<DynamoItem>> parse_get_item(const std::string& json);

}  // namespace ebbflow::aws
