resource "aws_dynamodb_table" "jobs" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key (aws/dynamodb); a customer-managed key would add KMS grants to every consumer policy.
  name         = "${var.name_prefix}-jobs"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "job_id"

  attribute {
    name = "job_id"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  attribute {
    name = "completed_at"
    type = "N"
  }

  attribute {
    name = "in_progress"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "N"
  }

  global_secondary_index {
    name            = "status-completed_at"
    hash_key        = "status"
    range_key       = "completed_at"
    projection_type = "ALL"
  }

  # The original's list_in_progress: one query per listed status, newest first.
  global_secondary_index {
    name            = "status-created_at"
    hash_key        = "status"
    range_key       = "created_at"
    projection_type = "ALL"
  }

  # Sparse: only jobs whose status is not final carry in_progress (list_in_progress_page).
  global_secondary_index {
    name            = "in_progress-created_at"
    hash_key        = "in_progress"
    range_key       = "created_at"
    projection_type = "ALL"
  }

  # The job-events pipeline (pipes.tf) reads every change.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  point_in_time_recovery {
    enabled = true
  }

  # The AWS-managed KMS key (aws/dynamodb): consumers need no KMS permissions.
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "segment_completions" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key (aws/dynamodb); a customer-managed key would add KMS grants to every consumer policy.
  name             = "${var.name_prefix}-segment-completions"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "job_id"
  range_key        = "segment_index"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "job_id"
    type = "S"
  }

  attribute {
    name = "segment_index"
    type = "N"
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS-managed KMS key (aws/dynamodb): consumers need no KMS permissions.
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "reassembly_triggered" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key (aws/dynamodb); a customer-managed key would add KMS grants to every consumer policy.
  name         = "${var.name_prefix}-reassembly-triggered"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "job_id"

  attribute {
    name = "job_id"
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

# Web Push subscriptions (optional in the schema; here it is always created).
resource "aws_dynamodb_table" "push_subscriptions" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key (aws/dynamodb); a customer-managed key would add KMS grants to every consumer policy.
  name         = "${var.name_prefix}-push-subscriptions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "endpoint"

  attribute {
    name = "endpoint"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS-managed KMS key (aws/dynamodb): consumers need no KMS permissions.
  server_side_encryption {
    enabled = true
  }
}
