# One output per resource in schema/stereo_spot.toml; `python -m codegen drift`
# checks that the names and the resources they point at still match.

output "jobs_table_name" {
  description = "DynamoDB Jobs table (env JOBS_TABLE_NAME)."
  value       = aws_dynamodb_table.jobs.name
}

output "segment_completions_table_name" {
  description = "DynamoDB SegmentCompletions table (env SEGMENT_COMPLETIONS_TABLE_NAME)."
  value       = aws_dynamodb_table.segment_completions.name
}

output "reassembly_triggered_table_name" {
  description = "DynamoDB ReassemblyTriggered table (env REASSEMBLY_TRIGGERED_TABLE_NAME)."
  value       = aws_dynamodb_table.reassembly_triggered.name
}

output "inference_invocations_table_name" {
  description = "DynamoDB inference-invocations table (env INFERENCE_INVOCATIONS_TABLE_NAME)."
  value       = aws_dynamodb_table.inference_invocations.name
}

output "push_subscriptions_table_name" {
  description = "DynamoDB PushSubscriptions table (env PUSH_SUBSCRIPTIONS_TABLE_NAME)."
  value       = aws_dynamodb_table.push_subscriptions.name
}

output "jobs_table_stream_arn" {
  description = "Stream of the Jobs table (env JOBS_TABLE_STREAM_ARN)."
  value       = aws_dynamodb_table.jobs.stream_arn
}

output "segment_completions_table_stream_arn" {
  description = "Stream of the SegmentCompletions table (env SEGMENT_COMPLETIONS_TABLE_STREAM_ARN)."
  value       = aws_dynamodb_table.segment_completions.stream_arn
}

output "job_events_queue_url" {
  description = "SQS job-events queue URL (env JOB_EVENTS_QUEUE_URL)."
  value       = aws_sqs_queue.job_events.url
}

output "chunking_queue_url" {
  description = "SQS chunking queue URL (env CHUNKING_QUEUE_URL)."
  value       = aws_sqs_queue.chunking.url
}

output "video_worker_queue_url" {
  description = "SQS video-worker queue URL (env VIDEO_WORKER_QUEUE_URL)."
  value       = aws_sqs_queue.video_worker.url
}

output "reassembly_queue_url" {
  description = "SQS reassembly queue URL (env REASSEMBLY_QUEUE_URL)."
  value       = aws_sqs_queue.reassembly.url
}

output "ingest_queue_url" {
  description = "SQS ingest queue URL (env INGEST_QUEUE_URL)."
  value       = aws_sqs_queue.ingest.url
}

output "deletion_queue_url" {
  description = "SQS deletion queue URL (env DELETION_QUEUE_URL)."
  value       = aws_sqs_queue.deletion.url
}

output "output_events_queue_url" {
  description = "SQS output_events queue URL (env OUTPUT_EVENTS_QUEUE_URL)."
  value       = aws_sqs_queue.output_events.url
}

output "segment_output_queue_url" {
  description = "SQS segment_output queue URL (env SEGMENT_OUTPUT_QUEUE_URL)."
  value       = aws_sqs_queue.segment_output.url
}

output "job_status_events_queue_url" {
  description = "SQS job_status_events queue URL (env JOB_STATUS_EVENTS_QUEUE_URL)."
  value       = aws_sqs_queue.job_status_events.url
}

output "input_bucket_name" {
  description = "S3 input bucket (env INPUT_BUCKET_NAME)."
  value       = aws_s3_bucket.input.id
}

output "output_bucket_name" {
  description = "S3 output bucket (env OUTPUT_BUCKET_NAME)."
  value       = aws_s3_bucket.output.id
}

output "hf_token_secret_arn" {
  description = "Secrets Manager secret holding the Hugging Face token (env HF_TOKEN_ARN)."
  value       = aws_secretsmanager_secret.hf_token.arn
}
