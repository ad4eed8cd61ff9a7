# Each work queue has its own dead-letter queue. A queue's visibility timeout
# must outlast the longest run of its consumer, or a second worker picks up a
# message that is still being processed. max_message_size is the schema's
# max_message_bytes (drift-checked); a dead-letter queue takes what its source
# queue takes.
#
# Every queue, dead-letter queues included, is encrypted at rest with SQS-managed
# keys (SSE-SQS): consumers need no KMS permissions, and S3 notifications can
# still be delivered (they cannot to a queue encrypted with the AWS-managed KMS key).

resource "aws_sqs_queue" "chunking_dlq" {
  name                      = "${var.name_prefix}-chunking-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "chunking" {
  name                       = "${var.name_prefix}-chunking"
  max_message_size           = 262144
  visibility_timeout_seconds = var.chunking_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.chunking_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

resource "aws_sqs_queue" "video_worker_dlq" {
  name                      = "${var.name_prefix}-video-worker-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "video_worker" {
  name                       = "${var.name_prefix}-video-worker"
  max_message_size           = 262144
  visibility_timeout_seconds = var.video_worker_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.video_worker_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

resource "aws_sqs_queue" "reassembly_dlq" {
  name                      = "${var.name_prefix}-reassembly-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "reassembly" {
  name                       = "${var.name_prefix}-reassembly"
  max_message_size           = 262144
  visibility_timeout_seconds = var.reassembly_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.reassembly_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# URL ingest (optional in the schema: a deployment may leave it out; here it is
# always created). Downloading a source from a URL can take 20 minutes.
resource "aws_sqs_queue" "ingest_dlq" {
  name                      = "${var.name_prefix}-ingest-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "ingest" {
  name                       = "${var.name_prefix}-ingest"
  max_message_size           = 262144
  visibility_timeout_seconds = var.ingest_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.ingest_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# Job removal: the web UI marks a job deleted and queues it; the media worker
# deletes its objects and records.
resource "aws_sqs_queue" "deletion_dlq" {
  name                      = "${var.name_prefix}-deletion-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "deletion" {
  name                       = "${var.name_prefix}-deletion"
  max_message_size           = 262144
  visibility_timeout_seconds = var.deletion_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.deletion_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# The output bucket's events (optional in the schema; here always created): the
# original's later video worker reads converted segments and inference results here.
resource "aws_sqs_queue" "output_events_dlq" {
  name                      = "${var.name_prefix}-output-events-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "output_events" {
  name                       = "${var.name_prefix}-output-events"
  max_message_size           = 262144
  visibility_timeout_seconds = var.output_events_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.output_events_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# The original's earlier output-events queue (its revisions up to f0f2746).
resource "aws_sqs_queue" "segment_output_dlq" {
  name                      = "${var.name_prefix}-segment-output-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "segment_output" {
  name                       = "${var.name_prefix}-segment-output"
  max_message_size           = 262144
  visibility_timeout_seconds = var.segment_output_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.segment_output_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# The job worker's copy of the output bucket's events.
resource "aws_sqs_queue" "job_status_events_dlq" {
  name                      = "${var.name_prefix}-job-status-events-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "job_status_events" {
  name                       = "${var.name_prefix}-job-status-events"
  max_message_size           = 262144
  visibility_timeout_seconds = var.job_status_events_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.job_status_events_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}

# Job events: the pipes in pipes.tf forward the jobs and segment-completions
# streams here; the web UI turns the records into progress events.
resource "aws_sqs_queue" "job_events_dlq" {
  name                      = "${var.name_prefix}-job-events-dlq"
  max_message_size          = 262144
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "job_events" {
  name                       = "${var.name_prefix}-job-events"
  max_message_size           = 262144
  visibility_timeout_seconds = var.job_events_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.job_events_dlq.arn
    maxReceiveCount     = var.dlq_max_receive_count
  })
}
