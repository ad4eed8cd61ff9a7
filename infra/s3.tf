# Checks that do not fit this data plane are skipped here, each with its reason
# (checkov reads the skip comments; `make test` runs it).

resource "aws_s3_bucket" "input" {
  #checkov:skip=CKV_AWS_18:Access logs go to the account's central log bucket, configured outside this module.
  #checkov:skip=CKV_AWS_21:Objects are per-job working files rewritten by retries; old versions would only keep superseded copies.
  #checkov:skip=CKV_AWS_144:Sources and segments are reproducible per job; cross-region replication is a deployment choice, not the data plane's.
  bucket = "${var.name_prefix}-input"
}

resource "aws_s3_bucket" "output" {
  #checkov:skip=CKV_AWS_18:Access logs go to the account's central log bucket, configured outside this module.
  #checkov:skip=CKV_AWS_21:Objects are per-job outputs rewritten by retries; old versions would only keep superseded copies.
  #checkov:skip=CKV_AWS_144:Outputs are reproducible from the sources; cross-region replication is a deployment choice, not the data plane's.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to output objects: job status in DynamoDB says when a final video is ready.
  bucket = "${var.name_prefix}-output"
}

resource "aws_s3_bucket_public_access_block" "input" {
  bucket                  = aws_s3_bucket.input.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "output" {
  bucket                  = aws_s3_bucket.output.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "input" {
  bucket = aws_s3_bucket.input.id

  rule {
    # The AWS-managed KMS key (aws/s3), so consumers need no KMS permissions;
    # bucket keys cut the KMS requests of many small segment objects.
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "output" {
  bucket = aws_s3_bucket.output.id

  rule {
    # The AWS-managed KMS key (aws/s3), so consumers need no KMS permissions;
    # bucket keys cut the KMS requests of many small segment objects.
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

# Browsers upload source videos straight to the input bucket with presigned PUT URLs.
resource "aws_s3_bucket_cors_configuration" "input" {
  bucket = aws_s3_bucket.input.id

  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = var.upload_allowed_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

# A multipart upload that never completes (a worker killed mid-transfer) keeps
# its parts, invisible and billed, until it is aborted: S3 does it after a day.
resource "aws_s3_bucket_lifecycle_configuration" "input" {
  bucket = aws_s3_bucket.input.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "output" {
  bucket = aws_s3_bucket.output.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Every request must use TLS, presigned URLs included.
data "aws_iam_policy_document" "tls_only" {
  for_each = {
    input  = aws_s3_bucket.input.arn
    output = aws_s3_bucket.output.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value, "${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "input" {
  bucket = aws_s3_bucket.input.id
  policy = data.aws_iam_policy_document.tls_only["input"].json
}

resource "aws_s3_bucket_policy" "output" {
  bucket = aws_s3_bucket.output.id
  policy = data.aws_iam_policy_document.tls_only["output"].json
}
