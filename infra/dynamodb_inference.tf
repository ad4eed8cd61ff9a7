# Optional in the schema (a deployment without SageMaker async inference leaves it
# out); here always created. Items expire 4 h after they are written.
resource "aws_dynamodb_table" "inference_invocations" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key (aws/dynamodb); a customer-managed key would add KMS grants to every consumer policy.
  name         = "${var.name_prefix}-inference-invocations"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "output_location"

  attribute {
    name = "output_location"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS-managed KMS key (aws/dynamodb): consumers need no KMS permissions.
  server_side_encryption {
    enabled = true
  }
}
